/**
 * Reclassifying a running incident (issue #12, item 4): the pure reducer and move, then on the dev
 * server with a real worker (the move is a continue-as-new, which the time-skipping server does
 * not skip time across reliably): `lockout reclassify` as a subprocess, the Web UI signal, a
 * runbook that does not exist, a repeat, and hostile updates (fast-check).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import { loadDirectory } from '../comms/directory';
import type { IncidentRecord, IncidentStatus } from '../domain/incident';
import { startingClocks, startingEngine } from '../domain/incident-progress';
import { movedToRunbook, reclassify, runbookAfterMove, runbookFor } from '../domain/reclassification';
import { checkReclassify } from '../domain/responder-input';
import * as m from '../workflows/messages';
import { runCli } from './helpers/cli';
import { testDeps } from './helpers/deps';
import { incidentStatus, sendAlert } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { runbookFromYaml } from './helpers/runbooks';
import { startLocalTemporal } from './helpers/temporal';
import { withWorker } from './helpers/worker';

const GENERIC = runbookFromYaml(`
id: generic-test
version: 1
title: Generic test
match: { patterns: [unclassified], fallback: true }
clocks:
  - { id: ops-alert, title: Operations told, from: detected, within: 15m, metBy: notify-ops }
  - { id: report, title: Compliance report, from: detected, within: 4h, metBy: manual }
  - { id: gdpr-art33, title: GDPR Art. 33, from: aware, within: 72h, legal: true, metBy: manual }
escalation: { levels: [ { after: 1h, notify: [engineering] } ] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
  - { id: approve-rotation, kind: approval, approvers: [ { people: [ben] } ], timeout: 3h }
  - { id: rotate, kind: checkpoint, phase: contained }
onResolve: { notify: [operations] }
`);

/** No GDPR clock of its own: the incident's legal clock must come along anyway. */
const TOKEN = runbookFromYaml(`
id: token-test
version: 2
title: Token test
match: { patterns: [token-expiry] }
clocks:
  - { id: ops-alert, title: Operations told, from: detected, within: 15m, metBy: notify-ops }
  - { id: report, title: Compliance report, from: detected, within: 4h, metBy: manual }
  - { id: token-reissued, title: Token re-issued, from: detected, within: 2h, metBy: manual }
escalation: { levels: [ { after: 1h, notify: [engineering] } ] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
  - { id: notify-engineering, kind: notify, audience: engineering, template: ops-technical-alert }
  - { id: await-containment, kind: wait, until: { phase: contained } }
onResolve: { notify: [operations] }
`);

const RUNBOOKS = [GENERIC, TOKEN];
const NOW = '2026-11-30T10:00:00.000Z';

function freshRecord(): IncidentRecord {
  return {
    phase: 'detected',
    escalationLevel: 0,
    alertCount: 1,
    facts: {
      title: 't',
      pattern: 'unclassified',
      severity: 'sev2',
      region: 'eu',
      euPersonalData: false,
      source: 'generic',
      labels: {},
      custom: {},
    },
    alerts: [],
    acknowledgements: [],
    deliveries: [],
    receipts: [],
    steps: [],
    clocks: startingClocks(GENERIC),
    approvals: [],
    attention: [],
    timeline: [],
    engine: startingEngine(NOW),
  };
}

const ctx = {
  runbook: GENERIC,
  now: NOW,
  outsideWindow: () => undefined,
  twoPersonAtDecision: () => true,
};

describe('reclassify: the reducer and the move (pure)', () => {
  it('records a request, refuses when resolved or busy, and changes nothing on a repeat', () => {
    const record = freshRecord();
    const asked = reclassify(record, { pattern: 'token-expiry', by: 'ana', reason: 'r' }, ctx);
    assert.ok(asked.ok);
    assert.deepEqual(asked.record.engine.reclassification, {
      pattern: 'token-expiry',
      by: 'ana',
      reason: 'r',
      at: NOW,
    });
    const again = reclassify(asked.record, { pattern: 'token-expiry', by: 'ben', reason: 'x' }, ctx);
    assert.ok(again.ok && again.record === asked.record, 'the same request again changes nothing');
    const other = reclassify(asked.record, { pattern: 'certificate-chain', by: 'ben', reason: 'x' }, ctx);
    assert.ok(!other.ok && /still being carried out/.test(other.refused));
    const same = reclassify(record, { pattern: 'unclassified', by: 'ana', reason: 'r' }, ctx);
    assert.ok(same.ok && same.record === record && /nothing changed/.test(same.message));
    const resolved = { ...record, resolution: { by: 'ana', at: NOW, reason: 'r' } };
    const late = reclassify(resolved, { pattern: 'token-expiry', by: 'ana', reason: 'r' }, ctx);
    assert.ok(!late.ok && late.refused === 'incident already resolved');
  });

  it('keeps clock deadlines and legal clocks, withdraws what the old runbook left pending', () => {
    const running = {
      ...freshRecord(),
      clocks: freshRecord().clocks.map((c) => ({
        ...c,
        state: 'running' as const,
        deadline: '2026-12-01T00:00:00.000Z',
      })),
      steps: [{ id: 'approve-rotation', kind: 'approval', state: 'running' as const, startedAt: NOW }],
      approvals: [
        {
          step: 'approve-rotation',
          title: 'a',
          approvers: { roles: [], people: ['ben'] },
          quorum: 1,
          twoPersonRule: false,
          requestedAt: NOW,
          level: 1,
          state: 'pending' as const,
          eligible: ['ben'],
          decisions: [],
        },
      ],
    };
    const to = runbookAfterMove(GENERIC, TOKEN);
    assert.deepEqual(
      to.clocks.map((c) => c.id),
      ['ops-alert', 'report', 'token-reissued', 'gdpr-art33'],
    );
    const request = { pattern: 'token-expiry' as const, by: 'ana', reason: 'session expired', at: NOW };
    const moved = movedToRunbook(running, GENERIC, to, request, NOW);
    assert.equal(moved.facts.pattern, 'token-expiry');
    assert.equal(moved.clocks.find((c) => c.id === 'gdpr-art33')?.deadline, '2026-12-01T00:00:00.000Z');
    assert.equal(moved.clocks.find((c) => c.id === 'token-reissued')?.state, 'waiting');
    assert.equal(moved.approvals[0]!.state, 'withdrawn');
    assert.equal(moved.steps[0]!.state, 'skipped');
    assert.equal(moved.engine.cursor, 0);
    assert.equal(
      moved.timeline.at(-1)!.summary,
      'reclassified by ana from unclassified (runbook generic-test v1) to token-expiry (runbook token-test v2): session expired',
    );
    assert.deepEqual(runbookFor(RUNBOOKS, { pattern: 'certificate-chain' }), { ok: true, runbook: GENERIC });
    const missing = runbookFor(RUNBOOKS, { pattern: 'token-expiry', runbook: 'nope' });
    assert.ok(
      !missing.ok && missing.reason === 'runbook: no runbook "nope" (known: generic-test, token-test)',
    );
  });
});

async function waitFor(
  client: Client,
  incidentId: string,
  done: (s: IncidentStatus) => boolean,
  what: string,
): Promise<IncidentStatus> {
  let last: IncidentStatus | undefined;
  for (let i = 0; i < 300; i++) {
    last = await incidentStatus(client, incidentId).catch(() => undefined);
    if (last && done(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  const history = await client.workflow.getHandle(incidentId).fetchHistory();
  const failed = history.events?.filter((e) => e.workflowTaskFailedEventAttributes).at(-1);
  assert.fail(
    `${what}; last timeline: ${JSON.stringify(last?.timeline.slice(-5))}${failed ? `; workflow task failed: ${failed.workflowTaskFailedEventAttributes?.failure?.message}` : ''}`,
  );
}

describe('reclassify a running incident (dev server, real worker, CLI subprocess)', function () {
  this.timeout(240_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  const directory = loadDirectory(join(__dirname, 'fixtures', 'directory.yaml'));
  const deps = () => ({ ...testDeps(mail.url, { directory }), runbooks: () => RUNBOOKS });

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
  });
  after(async () => {
    await env?.teardown();
    await mail?.close();
  });

  it('moves to the new runbook keeping alerts, timeline, acknowledgements, awareness, clocks and deliveries', () =>
    withWorker(
      env,
      deps(),
      async (taskQueue) => {
        const cli = (...args: string[]) => runCli(args, { TEMPORAL_ADDRESS: env.address });
        const { incidentId } = await sendAlert(
          env.client,
          taskQueue,
          { title: 'Salesforce sync failing', fingerprint: 'reclassify-cli' },
          RUNBOOKS,
        );
        const handle = env.client.workflow.getHandle(incidentId);
        await waitFor(env.client, incidentId, (s) => s.approvals[0]?.state === 'pending', 'approval asked');
        await handle.executeUpdate(m.acknowledgeUpdate, { args: [{ by: 'ana' }] });
        await handle.executeUpdate(m.setAwarenessUpdate, {
          args: [{ at: new Date(Date.now() - 60_000).toISOString(), by: 'dana', reason: 'EU contacts' }],
        });
        // The unclassified incident's first message asks operations to choose, with the choices.
        const [first] = await mail.waitFor(
          (x) => x.headers.get('x-lockout-step') === 'notify-ops' && x.text.includes(incidentId),
        );
        assert.ok(
          first!.text.includes(
            `lockout reclassify ${incidentId} --pattern <pattern> --by <your-name> --reason "<why>"`,
          ),
          first!.text,
        );
        assert.match(first!.text, /token-expiry: OAuth token, session or credential expired or revoked/);
        assert.match(first!.text, /send the signal "reclassify" with \{"pattern": "<pattern>"/);
        assert.match(first!.html, /<code>certificate-chain<\/code>: TLS certificate chain invalid/);
        const before = await incidentStatus(env.client, incidentId);
        const opsMails = () => mail.messages.filter((x) => x.to.includes('ana@test.example')).length;
        const opsMailsBefore = opsMails();
        assert.equal(before.facts.pattern, 'unclassified');
        assert.equal(before.clocks.find((c) => c.id === 'gdpr-art33')?.state, 'running');

        const moved = await cli(
          'reclassify',
          incidentId,
          '--pattern',
          'token-expiry',
          '--by',
          'ana',
          '--reason',
          'INVALID_SESSION_ID in custom_details.error',
          '--json',
        );
        assert.equal(moved.code, 0, moved.stderr);
        const outcome = JSON.parse(moved.stdout) as { outcome: string; runbook: { id: string } };
        assert.equal(outcome.outcome, 'moved');
        assert.equal(outcome.runbook.id, 'token-test');

        const after = await waitFor(
          env.client,
          incidentId,
          (s) => s.steps.some((x) => x.id === 'notify-engineering' && x.state === 'done'),
          'the new runbook ran its steps',
        );
        assert.equal(after.runbook.id, 'token-test');
        assert.equal(after.facts.pattern, 'token-expiry');
        assert.deepEqual(after.alerts, before.alerts);
        assert.deepEqual(after.acknowledgements, before.acknowledgements);
        assert.deepEqual(after.awareness, before.awareness);
        assert.deepEqual(after.timeline.slice(0, before.timeline.length), before.timeline);
        assert.deepEqual(after.deliveries.slice(0, before.deliveries.length), before.deliveries);
        for (const clock of before.clocks) {
          const now = after.clocks.find((c) => c.id === clock.id);
          assert.ok(now, `clock ${clock.id} kept`);
          assert.equal(now.deadline, clock.deadline, `clock ${clock.id}: deadline unchanged`);
          assert.equal(now.metAt, clock.metAt);
        }
        assert.equal(after.clocks.find((c) => c.id === 'gdpr-art33')?.legal, true);
        assert.equal(after.approvals[0]!.state, 'withdrawn');
        const evidence = after.timeline.find((e) => e.summary.startsWith('reclassified by '));
        assert.equal(evidence?.kind, 'reclassified');
        assert.equal(evidence?.actor, 'ana');
        assert.equal(
          evidence?.summary,
          'reclassified by ana from unclassified (runbook generic-test v1) to token-expiry (runbook token-test v2): INVALID_SESSION_ID in custom_details.error',
        );
        // notify-ops of the new runbook is the message operations already had: not sent again.
        const resent = after.deliveries
          .slice(before.deliveries.length)
          .filter((d) => d.step === 'notify-ops');
        assert.ok(resent.length > 0 && resent.every((d) => /not sent again/.test(d.detail ?? '')));
        assert.equal(opsMails(), opsMailsBefore, 'operations got no second email');
        assert.ok(
          after.deliveries.some((d) => d.step === 'notify-engineering' && d.outcome === 'delivered'),
          'the new runbook speaks to whom it says',
        );

        // The same request again: nothing changes, exit 0.
        const repeat = await cli(
          'reclassify',
          incidentId,
          '--pattern',
          'token-expiry',
          '--by',
          'ana',
          '--reason',
          'again',
          '--json',
        );
        assert.equal(repeat.code, 0, repeat.stderr);
        assert.equal((JSON.parse(repeat.stdout) as { outcome: string }).outcome, 'unchanged');

        // A runbook that does not exist: refused with the reason, nothing changed.
        const unknown = await cli(
          'reclassify',
          incidentId,
          '--pattern',
          'certificate-chain',
          '--runbook',
          'no-such-runbook',
          '--by',
          'ana',
          '--reason',
          'r',
        );
        assert.equal(unknown.code, 1);
        assert.match(
          unknown.stderr,
          /refused: runbook: no runbook "no-such-runbook" \(known: generic-test, token-test\)/,
        );
        const unchanged = await incidentStatus(env.client, incidentId);
        assert.equal(unchanged.runbook.id, 'token-test');
        assert.equal(unchanged.facts.pattern, 'token-expiry');
        assert.deepEqual(unchanged.clocks, after.clocks.length ? unchanged.clocks : after.clocks);
        assert.equal(
          unchanged.timeline.filter((e) => e.summary.startsWith('reclassified by ')).length,
          1,
          'moved once',
        );

        const usage = await cli('reclassify', incidentId, '--pattern', 'bogus', '--by', 'a', '--reason', 'r');
        assert.equal(usage.code, 2);
        assert.match(usage.stderr, /bogus.*invalid|Allowed choices/i);
      },
      'reclassify-cli',
    ));

  it('takes the Web UI signal, and refuses hostile updates naming the field (fast-check)', () =>
    withWorker(
      env,
      deps(),
      async (taskQueue) => {
        const { incidentId } = await sendAlert(
          env.client,
          taskQueue,
          { title: 'Token expired', fingerprint: 'reclassify-signal' },
          RUNBOOKS,
        );
        const handle = env.client.workflow.getHandle(incidentId);
        await waitFor(env.client, incidentId, (s) => s.approvals.length > 0, 'approval asked');

        const invalid = fc
          .oneof(
            fc.anything({ maxDepth: 2 }),
            fc.record(
              {
                pattern: fc.oneof(
                  fc.constantFrom('token-expiry', 'TOKEN-EXPIRY', '__proto__', ''),
                  fc.anything(),
                ),
                runbook: fc.oneof(fc.constantFrom('token-test', '../etc', 'Token Test'), fc.anything()),
                by: fc.oneof(fc.constantFrom('ana', ''), fc.anything()),
                reason: fc.oneof(fc.string({ maxLength: 3000 }), fc.anything()),
              },
              { requiredKeys: [] },
            ),
          )
          .filter((p) => !checkReclassify(p).ok);
        await fc.assert(
          fc.asyncProperty(invalid, async (payload) => {
            const err = await handle.executeUpdate(m.reclassifyUpdate, { args: [payload as never] }).then(
              () => undefined,
              (e: unknown) => e,
            );
            assert.ok(err instanceof WorkflowUpdateFailedError, 'refused');
            const reason = (err.cause as Error).message;
            assert.match(reason, /^refused: (payload|pattern|runbook|by|reason|id): /);
          }),
          { numRuns: 25, seed: 20261130 },
        );
        let status = await incidentStatus(env.client, incidentId);
        assert.equal(status.runbook.id, 'generic-test', 'nothing moved');
        assert.equal(status.facts.pattern, 'unclassified');
        assert.equal((await handle.describe()).status.name, 'RUNNING');

        // The Web UI sends the signal, without an id; by runbook id this time.
        await handle.signal(m.reclassifySignal, {
          pattern: 'token-expiry',
          runbook: 'token-test',
          by: 'erin',
          reason: 'OAuth token expired',
        });
        status = await waitFor(
          env.client,
          incidentId,
          (s) => s.runbook.id === 'token-test',
          'moved by signal',
        );
        assert.equal(status.facts.pattern, 'token-expiry');
        assert.ok(status.timeline.some((e) => e.kind === 'reclassified' && e.actor === 'erin'));
      },
      'reclassify-signal',
    ));
});
