import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadDirectory } from '../comms/directory';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { readEvidenceSource } from '../client/evidence-source';
import type { IncidentInput, IncidentStatus, TimelineEntry } from '../domain/incident';
import { isFolded, timelineLength, type FoldedEntry } from '../domain/timeline-fold';
import { buildPack } from '../evidence/build';
import { TOOL } from '../evidence/tool';
import { verifyPack } from '../evidence/verify';
import * as m from '../workflows/messages';
import { testDeps } from './helpers/deps';
import { incidentStatus, sendAlert } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { runbookFromYaml } from './helpers/runbooks';
import { startLocalTemporal } from './helpers/temporal';
import { withWorker } from './helpers/worker';

// On the dev server with second-scale durations: the time-skipping test server does not skip
// time across continue-as-new reliably (temporalio/sdk-java#1540).
describe('a long incident continues as new (dev server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
  });
  after(async () => {
    await env?.teardown();
    await mail?.close();
  });

  it('hands its whole state to fresh runs, mid-wait and mid-approval, and carries on', async () => {
    const runbook = runbookFromYaml(`
id: long-test
version: 1
title: Long incident test
clocks:
  - { id: report, title: Formal compliance status report, from: detected, within: 4h, metBy: manual }
escalation: { levels: [ { after: 1h, notify: [engineering] } ] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
  - { id: status-updates, kind: notify, audience: compliance, template: ops-technical-alert, every: 1s }
  - { id: approve-recovery, kind: approval, approvers: [ { people: [ben] } ], timeout: 1h }
  - { id: recover, kind: checkpoint, phase: recovered }
onResolve: { notify: [operations] }
`);
    const directory = loadDirectory(join(__dirname, 'fixtures', 'directory.yaml'));
    await withWorker(env, testDeps(mail.url, { directory }), async (taskQueue) => {
      const alert = { title: 'Audit log blocked', fingerprint: 'long-1' };
      const limits = { historyEvents: 80 };
      const { incidentId, runId: firstRun } = await sendAlert(
        env.client,
        taskQueue,
        alert,
        [runbook],
        limits,
      );
      await sendAlert(env.client, taskQueue, alert, [runbook], limits);
      const handle = env.client.workflow.getHandle(incidentId);
      await handle.executeUpdate(m.acknowledgeUpdate, { args: [{ by: 'ana', note: 'owning it' }] });
      await handle.signal(m.setFactSignal, { name: 'euPersonalData', value: true, by: 'dana' });

      // Status updates every second fill the history; wait for two hand-overs.
      let status: IncidentStatus;
      const runs = new Set<string>([firstRun]);
      for (let i = 0; i < 200 && runs.size < 3; i++) {
        await new Promise((r) => setTimeout(r, 250));
        runs.add((await handle.describe()).runId);
      }
      assert.ok(runs.size >= 3, `expected two hand-overs, saw runs ${[...runs].join(', ')}`);
      status = await incidentStatus(env.client, incidentId);
      assert.equal(status.alertCount, 2);
      assert.equal(status.acknowledgements[0]!.note, 'owning it');
      assert.equal(status.facts.euPersonalData, true);
      assert.ok(status.awareness, 'awareness kept');
      assert.equal(status.approvals[0]!.state, 'pending');
      assert.equal(status.clocks[0]!.state, 'running');
      assert.ok(status.steps.filter((s) => s.id === 'status-updates').length >= 3);
      assert.equal(
        status.steps.filter((s) => s.id === 'approve-recovery').length,
        1,
        'the approval step resumed, not restarted',
      );
      assert.equal(
        mail.messages.filter((x) => /APPROVAL NEEDED/.test(x.subject)).length,
        1,
        'the approver was asked once',
      );
      assert.ok(status.timeline.some((e) => e.summary.startsWith('continued in a new run')));

      // The approval requested in the first run is decided in a later one.
      assert.equal(
        await handle.executeUpdate(m.approveUpdate, { args: [{ step: 'approve-recovery', by: 'ben' }] }),
        'approved by ben; approve-recovery is approved',
      );
      await handle.executeUpdate(m.resolveUpdate, {
        args: [{ by: 'ana', reason: 'audit pipeline restored' }],
      });
      status = (await handle.result()) as IncidentStatus;
      assert.equal(status.phase, 'resolved');
      assert.equal(status.steps.find((s) => s.id === 'recover')?.state, 'done');
    });
  });

  it('hands over inside a parallel step too, each branch resuming where it was', async () => {
    const runbook = runbookFromYaml(`
id: long-parallel-test
version: 1
title: Long parallel incident test
escalation: { levels: [ { after: 1h, notify: [engineering] } ] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
  - id: respond
    kind: parallel
    branches:
      - - { id: status-updates, kind: notify, audience: compliance, template: ops-technical-alert, every: 1s }
        - { id: await-containment, kind: wait, until: { phase: contained } }
      - - { id: approve-recovery, kind: approval, approvers: [ { people: [ben] } ], timeout: 1h }
        - { id: contain, kind: checkpoint, phase: contained }
  - { id: after-parallel, kind: notify, audience: operations, template: ops-technical-alert }
onResolve: { notify: [operations] }
`);
    const directory = loadDirectory(join(__dirname, 'fixtures', 'directory.yaml'));
    await withWorker(env, testDeps(mail.url, { directory }), async (taskQueue) => {
      const { incidentId, runId: firstRun } = await sendAlert(
        env.client,
        taskQueue,
        { title: 'Parallel hand-over', fingerprint: 'long-parallel-1' },
        [runbook],
        { historyEvents: 80 },
      );
      const handle = env.client.workflow.getHandle(incidentId);
      const runs = new Set<string>([firstRun]);
      for (let i = 0; i < 200 && runs.size < 3; i++) {
        await new Promise((r) => setTimeout(r, 250));
        runs.add((await handle.describe()).runId);
      }
      assert.ok(runs.size >= 3, `expected two hand-overs inside the parallel step, saw ${runs.size} run(s)`);
      let status = await incidentStatus(env.client, incidentId);
      assert.equal(status.approvals.length, 1, 'the approval was asked once, not again after a hand-over');
      assert.equal(status.approvals[0]!.state, 'pending');
      assert.equal(status.steps.filter((s) => s.id === 'approve-recovery').length, 1);
      assert.equal(status.steps.filter((s) => s.id === 'respond').length, 1, 'the parallel step resumed');
      assert.ok(status.steps.filter((s) => s.id === 'status-updates').length >= 3);

      assert.equal(
        await handle.executeUpdate(m.approveUpdate, { args: [{ step: 'approve-recovery', by: 'ben' }] }),
        'approved by ben; approve-recovery is approved',
      );
      for (let i = 0; i < 100; i++) {
        status = await incidentStatus(env.client, incidentId);
        if (status.steps.some((s) => s.id === 'after-parallel' && s.state === 'done')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(status.phase, 'contained');
      assert.equal(status.steps.find((s) => s.id === 'await-containment')?.state, 'done');
      assert.equal(status.steps.find((s) => s.id === 'after-parallel')?.state, 'done');
    });
  });

  it('hands over while a wait step waits: clock deadlines and the pending approval are the same after', async () => {
    const runbook = runbookFromYaml(`
id: long-wait-test
version: 1
title: Long wait incident test
clocks:
  - { id: report, title: Formal compliance status report, from: detected, within: 4h, metBy: manual }
  - { id: recovery, title: Recovered, from: acknowledged, within: 8h, metBy: manual }
escalation: { levels: [ { after: 1h, notify: [engineering] } ] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
  - { id: status-updates, kind: notify, audience: compliance, template: ops-technical-alert, every: 1s }
  - id: hold
    kind: parallel
    branches:
      - - { id: approve-recovery, kind: approval, approvers: [ { people: [ben, erin] } ], quorum: 2, timeout: 1h }
      - - { id: cool-down, kind: wait, for: 2h }
onResolve: { notify: [operations] }
`);
    const directory = loadDirectory(join(__dirname, 'fixtures', 'directory.yaml'));
    await withWorker(env, testDeps(mail.url, { directory }), async (taskQueue) => {
      const { incidentId, runId: firstRun } = await sendAlert(
        env.client,
        taskQueue,
        { title: 'Wait hand-over', fingerprint: 'long-wait-1' },
        [runbook],
        { historyEvents: 80 },
      );
      const handle = env.client.workflow.getHandle(incidentId);
      await handle.executeUpdate(m.acknowledgeUpdate, { args: [{ by: 'ana' }] });
      for (let i = 0; i < 100; i++) {
        const s = await incidentStatus(env.client, incidentId);
        if (s.approvals.length && s.steps.some((x) => x.id === 'cool-down' && x.state === 'running')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await handle.executeUpdate(m.approveUpdate, { args: [{ step: 'approve-recovery', by: 'ben' }] });

      // What the first run knows: the query is answered by the first run if it is still the one
      // running after it (runs only move forward).
      const before = await incidentStatus(env.client, incidentId);
      assert.equal((await handle.describe()).runId, firstRun, 'read in the first run, while it waits');

      const runs = new Set<string>([firstRun]);
      for (let i = 0; i < 200 && runs.size < 3; i++) {
        await new Promise((r) => setTimeout(r, 250));
        runs.add((await handle.describe()).runId);
      }
      assert.ok(runs.size >= 3, `expected two hand-overs during the wait, saw ${runs.size} run(s)`);
      const after = await incidentStatus(env.client, incidentId);
      assert.ok(after.timeline.some((e) => e.summary.startsWith('continued in a new run')));

      const clocks = (s: IncidentStatus) =>
        s.clocks.map((c) => ({ id: c.id, state: c.state, startedAt: c.startedAt, deadline: c.deadline }));
      assert.equal(before.clocks.length, 2);
      assert.ok(
        before.clocks.every((c) => c.deadline),
        'both clocks run (report from detection, recovery from the acknowledgement)',
      );
      assert.deepEqual(clocks(after), clocks(before), 'clock deadlines unchanged by the hand-overs');
      assert.deepEqual(
        after.approvals,
        before.approvals,
        'the pending approval, its deadline and decision kept',
      );
      assert.equal(after.approvals[0]!.state, 'pending');
      assert.deepEqual(
        after.approvals[0]!.decisions.map((d) => d.by),
        ['ben'],
      );
      const wait = (s: IncidentStatus) => s.steps.filter((x) => x.id === 'cool-down');
      assert.deepEqual(wait(after), wait(before), 'the wait step resumed (same start), not restarted');

      // The approval half-decided in the first run is completed in a later one.
      assert.equal(
        await handle.executeUpdate(m.approveUpdate, { args: [{ step: 'approve-recovery', by: 'erin' }] }),
        'approved by erin; approve-recovery is approved',
      );
    });
  });
  it('carries a bounded timeline, folding the oldest entries; the evidence pack reads every one back', async () => {
    const runbook = runbookFromYaml(`
id: long-timeline-test
version: 1
title: Long timeline test
escalation: { levels: [ { after: 1h, notify: [engineering] } ] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
  - { id: status-updates, kind: notify, audience: compliance, template: ops-technical-alert, every: 1s }
onResolve: { notify: [operations] }
`);
    const directory = loadDirectory(join(__dirname, 'fixtures', 'directory.yaml'));
    const keep = 6;
    await withWorker(env, testDeps(mail.url, { directory }), async (taskQueue) => {
      const { incidentId, runId: firstRun } = await sendAlert(
        env.client,
        taskQueue,
        { title: 'Long timeline', fingerprint: 'long-timeline-1' },
        [runbook],
        { historyEvents: 60, timelineEntries: keep },
      );
      const handle = env.client.workflow.getHandle(incidentId);
      const runs = new Set<string>([firstRun]);
      for (let i = 0; i < 300 && runs.size < 5; i++) {
        await new Promise((r) => setTimeout(r, 250));
        runs.add((await handle.describe()).runId);
      }
      assert.ok(runs.size >= 5, `expected four hand-overs, saw ${runs.size} run(s)`);
      await handle.terminate('enough hand-overs');

      // What each run started with: the folded entry, then at most `keep` carried ones plus those
      // the run before recorded itself (only received entries are folded).
      const inputs: TimelineEntry[][] = [];
      for (const runId of runs) {
        const started = (await env.client.workflow.getHandle(incidentId, runId).fetchHistory()).events![0]!;
        const [input] = (await decodeArrayFromPayloads(
          env.client.options.loadedDataConverter,
          started.workflowExecutionStartedEventAttributes!.input!.payloads,
        )) as [IncidentInput];
        inputs.push(input.carried?.status.timeline ?? []);
      }
      const last = inputs.at(-1)!;
      assert.ok(isFolded(last[0]!), 'the last run started with a folded entry');
      assert.ok(last[0]!.summary.includes('kept in full in the evidence pack'), last[0]!.summary);
      for (const [k, timeline] of inputs.entries()) {
        if (k < 2) continue;
        const recordedBefore = timelineLength(timeline) - timelineLength(inputs[k - 1]!);
        assert.ok(
          timeline.length <= 1 + Math.max(keep, recordedBefore),
          `run ${k + 1} started with ${timeline.length} entries`,
        );
      }

      const source = await readEvidenceSource(env.client, incidentId);
      assert.equal(source.execution, 'terminated');
      assert.equal(source.status.timeline.length, timelineLength(last), 'every entry, folded ones read back');
      assert.ok(!source.status.timeline.some(isFolded), 'no folded entry in the pack');
      assert.match(source.status.timeline[0]!.summary, /Long timeline/, 'starts with the very first entry');
      for (const timeline of inputs) {
        const offset = isFolded(timeline[0] ?? ({} as TimelineEntry))
          ? (timeline[0] as FoldedEntry).folded
          : 0;
        timeline
          .filter((e) => !isFolded(e))
          .forEach((e, i) => assert.deepEqual(source.status.timeline[offset + i], e, `entry ${offset + i}`));
      }
      const { files } = await buildPack(source, {
        chromium: false,
        meta: { generatedAt: new Date().toISOString(), tool: TOOL },
      });
      assert.equal(
        files.get('timeline.jsonl')!.toString('utf8').trim().split('\n').length,
        timelineLength(last),
      );
      assert.ok(verifyPack(files).ok);
    });
  });
});
