/**
 * Every responder command of the `lockout` CLI, run as a subprocess against the dev server and a
 * real worker: the human line and `--json`, the exit code (docs/cli.md: 0, 1, 2), and the
 * incident's state after each command, queried from the workflow. Then `simulate`, and the
 * update → signal fallback when no worker answers.
 *
 * Each CLI call is a fresh Node process (a second or more, several on a loaded machine), so the
 * independent cases run at once: each flow starts in `before()` and its own `it` awaits it. Calls
 * that depend on each other stay in order inside a flow.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { loadDirectory } from '../comms/directory';
import type { IncidentStatus } from '../domain/incident';
import { createIncidentWorker } from '../workers/worker';
import { runCli, type CliResult } from './helpers/cli';
import { testDeps } from './helpers/deps';
import { incidentStatus, sendAlert, terminateOpenIncidents } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { runbookFromYaml } from './helpers/runbooks';
import { startLocalTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';

const RUNBOOK = runbookFromYaml(`
id: cli-commands-test
version: 1
title: CLI commands test
facts:
  customerImpact: { type: string }
clocks:
  - { id: ops, title: Operations told, from: detected, within: 4h, metBy: manual }
  - { id: gdpr-art33, title: GDPR Art. 33, from: aware, within: 72h, legal: true, metBy: manual }
escalation: { levels: [ { after: 1h, notify: [engineering] } ] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
  - id: approve-rotation
    kind: approval
    approvers: [ { people: [ben, erin] } ]
    quorum: 1
    timeout: 3h
  - id: approve-purge
    kind: approval
    approvers: [ { people: [ben, erin] } ]
    quorum: 1
    timeout: 3h
onResolve: { notify: [operations] }
`);

const directory = loadDirectory(join(__dirname, 'fixtures', 'directory.yaml'));
const HOUR = 3_600_000;

describe('every responder command of the lockout CLI (dev server, real worker, CLI subprocess)', function () {
  this.timeout(240_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const taskQueue = uniqueTaskQueue('cli-commands');
  const fallbackQueue = uniqueTaskQueue('cli-fallback');
  const flows = new Map<string, Promise<void>>();
  /** Incidents by fingerprint, opened one after the other before the flows start. */
  const opened = new Map<string, string>();

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
    worker = await startWorker(taskQueue);
    running = worker.run();
    for (const fingerprint of ['cli-ack', 'cli-approve', 'cli-facts', 'cli-closed']) {
      const { incidentId } = await sendAlert(env.client, taskQueue, { title: 'CLI', fingerprint }, [RUNBOOK]);
      opened.set(fingerprint, incidentId);
    }
    for (const [name, flow] of Object.entries({
      ackReopenEscalate,
      approveReject,
      factAwareClockPhase,
      usageErrors,
      failures,
      simulate,
      fallback,
    })) {
      const started = flow();
      started.catch(() => undefined); // awaited (and reported) by its own test
      flows.set(name, started);
    }
  });
  after(async () => {
    await Promise.allSettled(flows.values());
    if (env) {
      await terminateOpenIncidents(env.client, taskQueue).catch(() => undefined);
      await terminateOpenIncidents(env.client, fallbackQueue).catch(() => undefined);
    }
    worker?.shutdown();
    await running?.catch(() => undefined);
    await env?.teardown();
    await mail?.close();
  });

  const startWorker = async (queue: string) =>
    createIncidentWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue: queue,
      deps: testDeps(mail.url, { directory }),
      workflowBundle: await workflowBundle(),
    });
  // At most two CLI processes at once: more only slow each other down on a small machine.
  let slots = 2;
  const queue: (() => void)[] = [];
  async function limited<T>(fn: () => Promise<T>): Promise<T> {
    if (slots === 0) await new Promise<void>((r) => queue.push(r));
    else slots--;
    try {
      return await fn();
    } finally {
      const next = queue.shift();
      if (next) next();
      else slots++;
    }
  }
  const cli = (...args: string[]) => limited(() => runCli(args, { TEMPORAL_ADDRESS: env.address }));
  const cliAt = (address: string, ...args: string[]) =>
    limited(() => runCli(args, { TEMPORAL_ADDRESS: address }));
  const status = (id: string) => incidentStatus(env.client, id);

  async function waitFor(id: string, done: (s: IncidentStatus) => boolean, what: string) {
    let last: IncidentStatus | undefined;
    for (let i = 0; i < 300; i++) {
      // A query may time out while a busy worker catches up: ask again.
      last = await status(id).catch(() => last);
      if (last && done(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`${what}; last timeline: ${JSON.stringify(last?.timeline.slice(-5))}`);
  }

  /** Accepted as an update: exit 0, the incident's answer on one line, or the same as JSON. */
  function accepted(r: CliResult, id: string, message: string, json = false): void {
    assert.equal(r.code, 0, `exit 0; stderr: ${r.stderr}`);
    if (json)
      assert.deepEqual(JSON.parse(r.stdout), { incidentId: id, accepted: true, message, via: 'update' });
    else assert.equal(r.stdout, `${id}: ${message}\n`);
  }
  function failed(r: CliResult, code: number, stderr: RegExp): void {
    assert.equal(r.code, code, `exit ${code}; stdout: ${r.stdout} stderr: ${r.stderr}`);
    assert.match(r.stderr, stderr);
    assert.equal(r.stdout, '', 'nothing on stdout');
  }
  const open = async (queue: string, fingerprint: string) => {
    const { incidentId } = await sendAlert(env.client, queue, { title: 'CLI', fingerprint }, [RUNBOOK]);
    return incidentId;
  };
  const incident = (fingerprint: string) => opened.get(fingerprint)!;
  const approval = async (id: string, step: string) =>
    (await status(id)).approvals.find((a) => a.step === step);

  async function ackReopenEscalate(): Promise<void> {
    const id = incident('cli-ack');
    failed(await cli('reopen', id, '--by', 'ana', '--reason', 'too early'), 1, /refused: not acknowledged/);
    accepted(await cli('ack', id, '--by', 'ana'), id, 'acknowledged by ana');
    assert.equal((await status(id)).phase, 'acknowledged');

    // The prefix may be left out.
    accepted(
      await cli('reopen', id.replace(/^lockout-/, ''), '--by', 'ana', '--reason', 'not mine', '--json'),
      id,
      'reopened by ana: escalation starts over',
      true,
    );
    let s = await status(id);
    assert.equal(s.phase, 'detected', 'back to detected');
    assert.ok(s.timeline.some((e) => e.summary === 'reopened by ana: not mine; escalation starts over'));

    accepted(
      await cli('escalate', id, '--by', 'ana', '--reason', 'need help'),
      id,
      'escalating to the next level (requested by ana)',
    );
    // The level waits 1 h: reaching it now is the command's doing.
    s = await waitFor(id, (x) => x.escalationLevel === 1, 'escalation level 1 reached now');
    assert.ok(s.timeline.some((e) => e.summary === 'escalation requested by ana: need help'));
    failed(
      await cli('escalate', id, '--by', 'ana'),
      1,
      /refused: already at the last escalation level \(1\)/,
    );
    assert.equal((await status(id)).escalationLevel, 1);
  }

  async function approveReject(): Promise<void> {
    const id = incident('cli-approve');
    await waitFor(id, (s) => s.approvals.some((a) => a.step === 'approve-rotation'), 'approval asked');

    failed(
      await cli('approve', id, 'approve-rotation', '--by', 'chloe'),
      1,
      /^lockout: refused: approve-rotation: /,
    );
    let rotation = (await approval(id, 'approve-rotation'))!;
    assert.equal(rotation.state, 'pending', 'a refused approval changes nothing');
    assert.deepEqual(rotation.decisions, []);

    accepted(
      await cli('approve', id, 'approve-rotation', '--by', 'ben', '--reason', 'ok', '--json'),
      id,
      'approved by ben; approve-rotation is approved',
      true,
    );
    rotation = (await approval(id, 'approve-rotation'))!;
    assert.equal(rotation.state, 'approved');
    assert.deepEqual(
      rotation.decisions.map((d) => [d.by, d.decision, d.reason]),
      [['ben', 'approve', 'ok']],
    );

    await waitFor(id, (s) => s.approvals.some((a) => a.step === 'approve-purge'), 'second approval asked');
    accepted(
      await cli('reject', id, 'approve-purge', '--by', 'erin', '--reason', 'too risky'),
      id,
      'rejected by erin; approve-purge is rejected',
    );
    const rejected = (await approval(id, 'approve-purge'))!;
    assert.equal(rejected.state, 'rejected');
    assert.deepEqual(
      rejected.decisions.map((d) => [d.by, d.decision, d.reason]),
      [['erin', 'reject', 'too risky']],
    );
    failed(await cli('approve', id, 'approve-purge', '--by', 'ben'), 1, /^lockout: refused: approve-purge: /);
    assert.equal((await approval(id, 'approve-purge'))!.state, 'rejected');
  }

  async function factAwareClockPhase(): Promise<void> {
    const id = incident('cli-facts');
    accepted(await cli('fact', id, 'customerImpact=high', '--by', 'ana'), id, 'customerImpact = "high"');
    assert.equal((await status(id)).facts.custom.customerImpact, 'high');
    failed(await cli('fact', id, 'nonsense=1', '--by', 'ana'), 1, /refused: unknown fact "nonsense"/);

    assert.equal((await status(id)).clocks.find((c) => c.id === 'gdpr-art33')!.state, 'waiting');
    const at = new Date(Date.now() - 60_000).toISOString();
    accepted(
      await cli('aware', id, '--at', at, '--by', 'dana', '--reason', 'DPO call', '--json'),
      id,
      `awareness time is ${at}`,
      true,
    );
    let s = await status(id);
    assert.deepEqual(s.awareness, { at, by: 'dana' });
    const gdpr = s.clocks.find((c) => c.id === 'gdpr-art33')!;
    assert.equal(gdpr.state, 'running');
    assert.equal(gdpr.deadline, new Date(Date.parse(at) + 72 * HOUR).toISOString());
    const future = new Date(Date.now() + 30 * 24 * HOUR).toISOString();
    failed(await cli('aware', id, '--at', future, '--by', 'dana', '--reason', 'x'), 1, /^lockout: refused: /);
    assert.deepEqual((await status(id)).awareness, { at, by: 'dana' }, 'a refused time changes nothing');

    const metAt = new Date(Date.now() - 30_000).toISOString();
    accepted(
      await cli('clock', id, 'ops', '--by', 'ana', '--at', metAt, '--note', 'ticket OPS-1'),
      id,
      `ops met at ${metAt}`,
    );
    const ops = (await status(id)).clocks.find((c) => c.id === 'ops')!;
    assert.equal(ops.state, 'met');
    assert.equal(ops.metAt, metAt);
    failed(await cli('clock', id, 'ops', '--by', 'ana'), 1, /refused: ops was already met at /);

    accepted(await cli('phase', id, 'contained', '--by', 'ana', '--json'), id, 'phase is contained', true);
    assert.equal((await status(id)).phase, 'contained');
    failed(await cli('phase', id, 'contained', '--by', 'ana'), 1, /refused: already contained/);
    s = await status(id);
    assert.equal(s.phase, 'contained');
    assert.equal(s.facts.custom.customerImpact, 'high', 'earlier facts kept');
  }

  /** Bad usage exits 2 before anything is sent. */
  async function usageErrors(): Promise<void> {
    const id = 'lockout-usage-errors';
    const cases: [string[], RegExp][] = [
      [['escalate', id], /required option '--by <person>'/],
      [['reopen', id, '--by', 'ana'], /required option '--reason <text>'/],
      [['reject', id, 'step', '--by', 'erin'], /required option '--reason <text>'/],
      [['aware', id, '--at', 'now', '--by', 'dana'], /required option '--reason <text>'/],
      [['approve', id, '--by', 'ben'], /missing required argument 'step'/],
      [['fact', id, 'customerImpact', '--by', 'ana'], /customerImpact: must be name=value/],
      [['phase', id, 'sideways', '--by', 'ana'], /sideways: must be contained or recovered/],
      [['clock', id, 'ops', '--by', 'ana', '--bogus'], /unknown option '--bogus'/],
      [['simulate', 'no-such-runbook'], /no runbook "no-such-runbook"/],
      [['simulate', 'generic-lockout', '--until', 'soon'], /--until: /],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(...args)));
    results.forEach((r, i) => failed(r, 2, cases[i]![1]));
  }

  async function failures(): Promise<void> {
    const id = incident('cli-closed');
    await env.client.workflow.getHandle(id).terminate('closed by the test');
    const [unknown, closed, unreachable] = await Promise.all([
      cli('ack', 'lockout-no-such-incident', '--by', 'ana'),
      cli('approve', id, 'approve-rotation', '--by', 'ben'),
      cliAt('127.0.0.1:1', 'fact', id, 'customerImpact=low', '--by', 'ana'),
    ]);
    failed(unknown, 1, /no incident "lockout-no-such-incident"/);
    failed(closed, 1, /is closed \(terminated\)/);
    failed(unreachable, 1, /cannot reach Temporal at 127\.0\.0\.1:1/);
  }

  async function simulate(): Promise<void> {
    const [json, human] = await Promise.all([
      cli('simulate', 'certificate-chain', '--until', '30m', '--respond', 'ack=ana@20m', '--json'),
      cli('simulate', 'certificate-chain', '--until', '10m'),
    ]);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as {
      runbook: { id: string };
      simulatedFor: string;
      phase: string;
      timeline: { offset: string; summary: string }[];
    };
    assert.equal(report.runbook.id, 'certificate-chain');
    assert.equal(report.simulatedFor, '30m');
    assert.equal(report.phase, 'acknowledged');
    assert.ok(
      report.timeline.some((e) => e.offset === 'T+20m' && /acknowledged by ana/.test(e.summary)),
      'the ack at 20 minutes of incident time',
    );
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      /^Simulation of Certificate-chain validation failure \(certificate-chain v3\), 10m/,
    );
    assert.match(human.stdout, /Ended in phase detected/);
  }

  async function fallback(): Promise<void> {
    const first = await startWorker(fallbackQueue);
    const id = await first.runUntil(async () => {
      const incidentId = await open(fallbackQueue, 'cli-fallback');
      await waitFor(incidentId, (s) => s.approvals.length > 0, 'incident under way');
      return incidentId;
    });
    // No worker polls the task queue now: the update finds nobody within the CLI's 15 s.
    const queued = await cli('ack', id, '--by', 'ana', '--note', 'queued', '--json');
    assert.equal(queued.code, 0, queued.stderr);
    const outcome = JSON.parse(queued.stdout) as { via: string; message: string; accepted: boolean };
    assert.equal(outcome.via, 'signal');
    assert.equal(outcome.accepted, true);
    assert.match(outcome.message, /^no worker answered within 15s: your request is recorded/);
    const human = await cli('fact', id, 'customerImpact=low', '--by', 'ana');
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`^${id}: no worker answered within 15s`));
    assert.deepEqual((await env.client.workflow.getHandle(id).describe()).status.name, 'RUNNING');

    const second = await startWorker(fallbackQueue);
    await second.runUntil(async () => {
      await waitFor(id, (x) => x.acknowledgements.length > 0, 'the queued ack applied');
      // A later update is answered after anything still pending (the update, had the server kept it).
      accepted(await cli('fact', id, 'customerImpact=high', '--by', 'ana'), id, 'customerImpact = "high"');
      const s = await status(id);
      assert.deepEqual(
        s.acknowledgements.map((a) => [a.by, a.note]),
        [['ana', 'queued']],
        'applied once',
      );
      assert.equal(s.timeline.filter((e) => e.summary === 'acknowledged by ana: queued').length, 1);
      assert.equal(s.phase, 'acknowledged');
      assert.deepEqual(
        s.timeline.filter((e) => e.kind === 'fact').map((e) => e.summary),
        ['customerImpact set to "low" by ana', 'customerImpact set to "high" by ana'],
        'the queued fact applied once, before the later one',
      );
      await env.client.workflow.getHandle(id).terminate('test finished');
    });
  }

  it('ack, reopen and escalate: acknowledgement taken back, escalation asked for now', () =>
    flows.get('ackReopenEscalate'));
  it('approve and reject: decisions recorded, a refused one changes nothing', () =>
    flows.get('approveReject'));
  it('fact, aware, clock and phase: the incident records each, a refused one changes nothing', () =>
    flows.get('factAwareClockPhase'));
  it('bad usage exits 2 (missing option or argument, bad value, unknown flag or runbook)', () =>
    flows.get('usageErrors'));
  it('an unknown incident, a closed one and an unreachable server exit 1, saying so', () =>
    flows.get('failures'));
  it('simulate rehearses a shipped runbook, in text and JSON', () => flows.get('simulate'));
  it('with no worker, commands are queued as signals; the next worker applies each once', () =>
    flows.get('fallback'));
});
