import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadDirectory } from '../comms/directory';
import type { IncidentStatus } from '../domain/incident';
import * as m from '../workflows/messages';
import { testDeps } from './helpers/deps';
import { incidentStatus, sendAlert, statusWhen } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { runbookFromYaml } from './helpers/runbooks';
import { startTimeSkippingTemporal } from './helpers/temporal';
import { withWorker } from './helpers/worker';

const directory = loadDirectory(join(__dirname, 'fixtures', 'directory.yaml'));
const MIN = 60_000;

describe('runbook engine (time-skipping server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let health: Server;
  let healthUrl: string;
  let healthHits = 0;

  before(async () => {
    mail = await startMailCatcher();
    health = createServer((_, res) => {
      healthHits++;
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
    healthUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}/health`;
  });
  after(async () => {
    await mail?.close();
    health?.close();
  });
  // A fresh server per test: the time-skipping server can keep time locked after a test ends
  // with an activity in flight, and a later env.sleep then never returns (sdk-java#2670).
  beforeEach(async () => {
    mail.messages.splice(0);
    healthHits = 0;
    env = await startTimeSkippingTemporal();
  });
  afterEach(async () => {
    await env?.teardown();
  });

  const run = <T>(fn: (taskQueue: string) => Promise<T>) =>
    withWorker(env, testDeps(mail.url, { directory }), fn, 'engine');
  const status = (id: string) => incidentStatus(env.client, id);
  const clock = (s: IncidentStatus, id: string) => s.clocks.find((c) => c.id === id)!;
  const since = (s: IncidentStatus, iso: string | undefined) => Date.parse(iso!) - Date.parse(s.detectedAt);

  it('records each clock as met in time, met late or missed, and moves GDPR with the awareness time', async () => {
    const runbook = runbookFromYaml(`
id: clocks-test
version: 1
title: Clock test
clocks:
  - { id: ops-alert, title: Operations technical alert, from: detected, within: 15m, metBy: notify-ops }
  - { id: stakeholders, title: Stakeholder notification, from: detected, within: 60m, warn: [15m], metBy: notify-stakeholders, notify: [incident-commander] }
  - { id: report, title: Formal compliance status report, from: detected, within: 4h, metBy: compliance-report }
  - { id: gdpr, title: GDPR Art. 33 notification, from: aware, within: 72h, legal: true, metBy: manual, warn: [24h], notify: [legal], when: { fact: euPersonalData, equals: true } }
  - { id: contained, title: Contained within 2h, from: acknowledged, within: 2h, metBy: manual }
escalation: { levels: [] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
  - { id: pause, kind: wait, for: 50m }
  - { id: notify-stakeholders, kind: notify, audience: engineering, template: ops-technical-alert }
  - { id: pause-long, kind: wait, for: 4h }
  - { id: compliance-report, kind: notify, audience: compliance, template: ops-technical-alert }
onResolve: { notify: [operations] }
`);
    await run(async (taskQueue) => {
      const { incidentId } = await sendAlert(
        env.client,
        taskQueue,
        { title: 'EU sync blocked', region: 'eu', euPersonalData: true, fingerprint: 'clocks-1' },
        [runbook],
      );
      const handle = env.client.workflow.getHandle(incidentId);
      await mail.waitFor((x) => x.headers.get('x-lockout-step') === 'notify-ops');
      // The mail arrives before the activity's result reaches the workflow.
      let s = await statusWhen(
        env.client,
        incidentId,
        (x) => x.steps.some((st) => st.id === 'notify-ops' && st.state === 'done'),
        'notify-ops recorded done',
        50,
      );
      assert.equal(clock(s, 'ops-alert').state, 'met');
      assert.equal(clock(s, 'contained').state, 'waiting');
      assert.equal(clock(s, 'gdpr').state, 'running');
      assert.equal(since(s, clock(s, 'gdpr').deadline), 72 * 60 * MIN);

      // Legal corrects the awareness time: the deadline moves with it.
      const aware = new Date(Date.parse(s.detectedAt) - 30 * MIN).toISOString();
      await handle.executeUpdate(m.setAwarenessUpdate, {
        args: [{ at: aware, by: 'dana', reason: 'breach known at 01:30 per DPO log' }],
      });
      s = await status(incidentId);
      assert.equal(clock(s, 'gdpr').deadline, new Date(Date.parse(aware) + 72 * 60 * MIN).toISOString());

      await env.sleep('46m');
      const [warning] = await mail.waitFor((x) => /DEADLINE in 15m/.test(x.subject));
      assert.deepEqual(warning!.to, ['dev@test.example']);
      await env.sleep('10m');
      s = await status(incidentId);
      assert.equal(clock(s, 'stakeholders').state, 'met');
      assert.equal(clock(s, 'stakeholders').lateByMs, 0);

      await handle.executeUpdate(m.acknowledgeUpdate, { args: [{ by: 'ana' }] });
      await env.sleep('210m');
      s = await status(incidentId);
      assert.equal(clock(s, 'report').state, 'missed');
      assert.equal(clock(s, 'contained').state, 'missed');
      await env.sleep('1h');
      s = await status(incidentId);
      assert.equal(clock(s, 'report').state, 'met');
      assert.ok(
        clock(s, 'report').lateByMs! >= 50 * MIN && clock(s, 'report').lateByMs! < 52 * MIN,
        `${clock(s, 'report').lateByMs}`,
      );

      // Resolved, but the GDPR deadline outlives the incident until it is met.
      await handle.executeUpdate(m.resolveUpdate, { args: [{ by: 'ana', reason: 'sync restored' }] });
      s = await status(incidentId);
      assert.equal(s.phase, 'resolved');
      assert.equal(clock(s, 'gdpr').state, 'running');
      assert.equal(clock(s, 'contained').state, 'missed');
      assert.equal((await handle.describe()).status.name, 'RUNNING');
      await env.sleep('48h');
      await mail.waitFor((x) => /DEADLINE in 24h: GDPR/.test(x.subject));
      await handle.executeUpdate(m.clockMetUpdate, {
        args: [{ clock: 'gdpr', by: 'dana', note: 'notified the CNIL, ref 2026-1142' }],
      });
      const final = (await handle.result()) as IncidentStatus;
      assert.equal(clock(final, 'gdpr').state, 'met');
      assert.equal(clock(final, 'gdpr').lateByMs, 0);
      assert.ok(final.timeline.some((e) => /awareness time set to .* by dana/.test(e.summary)));
      assert.ok(final.timeline.some((e) => e.summary.includes('Formal compliance status report: MISSED')));
    });
  });

  it('enforces quorum, the two-person rule and approver roles, answering updates and signals alike', async () => {
    const runbook = runbookFromYaml(`
id: approval-test
version: 1
title: Approval test
escalation: { levels: [] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
  - { id: wait-ack, kind: wait, until: { acknowledged: true } }
  - id: approve-check
    kind: approval
    approvers: [{ roles: [engineering-lead] }]
    quorum: 2
    twoPersonRule: true
    timeout: 1h
  - { id: health-check, kind: activity, activity: checkHttpEndpoint, args: { url: "${healthUrl}" } }
onResolve: { notify: [operations] }
`);
    await run(async (taskQueue) => {
      const { incidentId } = await sendAlert(
        env.client,
        taskQueue,
        { title: 'ACL drift', fingerprint: 'approvals-1' },
        [runbook],
      );
      const handle = env.client.workflow.getHandle(incidentId);
      const approve = (by: string, step = 'approve-check') =>
        handle.executeUpdate(m.approveUpdate, { args: [{ step, by }] });
      const refusal = async (attempt: Promise<unknown>): Promise<string> => {
        try {
          await attempt;
        } catch (err) {
          assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
          return (err.cause as Error).message;
        }
        return assert.fail('the attempt was accepted');
      };

      assert.match(await refusal(approve('ben')), /unknown step|step not pending/);
      await handle.executeUpdate(m.acknowledgeUpdate, { args: [{ by: 'ana' }] });
      const [request] = await mail.waitFor((x) => /APPROVAL NEEDED/.test(x.subject), 3);
      assert.ok(request!.text.includes(`lockout approve ${incidentId} approve-check`));
      const s0 = await status(incidentId);
      assert.deepEqual(s0.approvals[0]!.eligible, ['ana', 'ben', 'erin']);
      assert.equal(s0.approvals[0]!.requestedBy, 'ana');

      assert.match(await refusal(approve('ana')), /two-person rule: ana/);
      assert.match(await refusal(approve('dev')), /not an approver: dev/);
      assert.match(await refusal(approve('ben', 'nope')), /unknown step "nope"/);
      assert.equal(await approve('ben'), 'approved by ben; approve-check is pending');
      assert.match(await refusal(approve('ben')), /already decided by ben/);
      await handle.signal(m.approveSignal, { step: 'approve-check', by: 'ben' });
      assert.equal(healthHits, 0, 'nothing runs before the quorum');
      assert.equal(await approve('erin'), 'approved by erin; approve-check is approved');
      assert.match(
        await refusal(
          handle.executeUpdate(m.rejectUpdate, {
            args: [{ step: 'approve-check', by: 'erin', reason: 'too late' }],
          }),
        ),
        /already decided: approved/,
      );
      await handle.signal(m.rejectSignal, { step: 'approve-check', by: 'dev', reason: 'no' });
      // A malformed payload is refused at once and recorded like any other refusal.
      assert.match(
        await refusal(handle.executeUpdate(m.approveUpdate, { args: [{ step: 'approve-check' } as never] })),
        /by: must be a non-empty string/,
      );

      const s = await statusWhen(
        env.client,
        incidentId,
        (x) => x.steps.find((st) => st.id === 'health-check')?.state === 'done',
        'health-check done',
        50,
      );
      assert.equal(s.approvals[0]!.state, 'approved');
      assert.deepEqual(
        s.approvals[0]!.decisions.map((d) => `${d.decision}:${d.by}`),
        ['approve:ben', 'approve:erin'],
      );
      assert.equal(s.steps.find((x) => x.id === 'health-check')!.result!.ok, true);
      assert.equal(healthHits, 1);
      const refused = s.timeline.filter((e) => e.kind === 'refused').map((e) => e.summary);
      assert.equal(refused.length, 9, refused.join('\n'));
      assert.ok(refused.includes('approve refused: by: must be a non-empty string'));
      assert.ok(refused.some((r) => /approve by ben refused: approve-check: already decided by ben/.test(r)));
      assert.ok(
        refused.some((r) => /reject by dev refused: approve-check: already decided: approved/.test(r)),
      );
      assert.ok(refused.some((r) => /two-person rule/.test(r)));
    });
  });

  it('asks the next approver level on timeout, then treats silence as a rejection and skips the gated step', async () => {
    const runbook = runbookFromYaml(`
id: approval-timeout-test
version: 1
title: Approval timeout test
escalation: { levels: [] }
steps:
  - id: approve-check
    kind: approval
    approvers: [{ people: [ben] }, { people: [dev] }]
    timeout: 30m
    onTimeout: escalate
  - { id: health-check, kind: activity, activity: checkHttpEndpoint, args: { url: "${healthUrl}" } }
  - { id: done, kind: checkpoint, phase: recovered }
onResolve: { notify: [operations] }
`);
    await run(async (taskQueue) => {
      const { incidentId } = await sendAlert(
        env.client,
        taskQueue,
        { title: 'Token expired', fingerprint: 'approvals-2' },
        [runbook],
      );
      await mail.waitFor((x) => /APPROVAL NEEDED/.test(x.subject) && x.to[0] === 'ben@test.example');
      await env.sleep('31m');
      await mail.waitFor((x) => /APPROVAL NEEDED/.test(x.subject) && x.to[0] === 'dev@test.example');
      assert.deepEqual((await status(incidentId)).approvals[0]!.eligible, ['dev']);
      await env.sleep('30m');
      const s = await status(incidentId);
      assert.equal(s.approvals[0]!.state, 'timed-out');
      assert.equal(s.steps.find((x) => x.id === 'health-check')!.state, 'skipped');
      assert.equal(s.phase, 'recovered');
      assert.equal(healthHits, 0);
    });
  });

  it('follows branches, runs parallel branches side by side and records checkpoints', async () => {
    const runbook = runbookFromYaml(`
id: flow-test
version: 1
title: Flow test
escalation: { levels: [] }
steps:
  - { id: eu-data, kind: branch, if: { fact: euPersonalData, equals: true }, then: brief-legal }
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert, next: split }
  - { id: brief-legal, kind: notify, audience: legal, template: ops-technical-alert }
  - id: split
    kind: parallel
    branches:
      - [ { id: tell-engineering, kind: notify, audience: engineering, template: ops-technical-alert } ]
      - [ { id: hold, kind: wait, for: 10m }, { id: contain, kind: checkpoint, phase: contained } ]
  - { id: recover, kind: checkpoint, phase: recovered }
onResolve: { notify: [operations] }
`);
    await run(async (taskQueue) => {
      const eu = await sendAlert(
        env.client,
        taskQueue,
        { title: 'EU blocked', euPersonalData: true, fingerprint: 'flow-eu' },
        [runbook],
      );
      const us = await sendAlert(env.client, taskQueue, { title: 'US blocked', fingerprint: 'flow-us' }, [
        runbook,
      ]);
      await mail.waitFor((x) => x.headers.get('x-lockout-step') === 'tell-engineering', 4);
      await env.sleep('11m');
      const [euStatus, usStatus] = await Promise.all([status(eu.incidentId), status(us.incidentId)]);
      const ran = (s: IncidentStatus) => s.steps.map((x) => x.id);
      assert.deepEqual(ran(euStatus), [
        'eu-data',
        'brief-legal',
        'split',
        'tell-engineering',
        'hold',
        'contain',
        'recover',
      ]);
      assert.deepEqual(ran(usStatus), [
        'eu-data',
        'notify-ops',
        'split',
        'tell-engineering',
        'hold',
        'contain',
        'recover',
      ]);
      assert.equal(euStatus.phase, 'recovered');
      assert.ok(euStatus.timeline.some((e) => e.summary === 'phase → contained'));
    });
  });

  it('starts escalation over on reopen and escalates at once for a more severe alert', async () => {
    const runbook = runbookFromYaml(`
id: reopen-test
version: 1
title: Reopen test
escalation:
  levels:
    - { after: 15m, notify: [engineering] }
    - { after: 15m, notify: [incident-commander], repeat: 2 }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
onResolve: { notify: [operations] }
`);
    await run(async (taskQueue) => {
      const { incidentId } = await sendAlert(
        env.client,
        taskQueue,
        { title: 'Sync denied', severity: 'sev3', fingerprint: 'reopen-1' },
        [runbook],
      );
      const handle = env.client.workflow.getHandle(incidentId);
      await mail.waitFor((x) => x.headers.get('x-lockout-step') === 'notify-ops');
      await handle.executeUpdate(m.acknowledgeUpdate, { args: [{ by: 'ana' }] });
      await env.sleep('40m');
      assert.equal((await status(incidentId)).escalationLevel, 0);

      await handle.executeUpdate(m.reopenUpdate, { args: [{ by: 'ana', reason: 'fix did not hold' }] });
      await env.sleep('16m');
      await mail.waitFor((x) => x.headers.get('x-lockout-step') === 'reopen-1-escalation-1', 2);
      assert.equal((await status(incidentId)).escalationLevel, 1);

      // A sev1 alert for the same fingerprint raises severity and escalates without waiting.
      await sendAlert(
        env.client,
        taskQueue,
        { title: 'Sync denied', severity: 'sev1', fingerprint: 'reopen-1' },
        [runbook],
      );
      await mail.waitFor((x) => x.headers.get('x-lockout-step') === 'reopen-1-escalation-2');
      let s = await status(incidentId);
      assert.equal(s.facts.severity, 'sev1');
      assert.equal(s.escalationLevel, 2);

      await env.sleep('16m');
      await mail.waitFor((x) => x.headers.get('x-lockout-step') === 'reopen-1-escalation-2-2');
      await assert.rejects(
        handle.executeUpdate(m.escalateUpdate, { args: [{ by: 'dev' }] }),
        (err: Error) =>
          err instanceof WorkflowUpdateFailedError &&
          /already at the last escalation level/.test((err.cause as Error).message),
      );
      s = await status(incidentId);
      assert.equal(s.escalationLevel, 2);
      assert.deepEqual(
        s.timeline.filter((e) => e.kind === 'escalation').map((e) => e.summary.split(':')[0]),
        ['no acknowledgement after 15m', 'escalation requested', 'no acknowledgement after 15m'],
      );
    });
  });

  it("records a recipient's receipt and, from an acknowledgement link, stops escalation", async () => {
    const runbook = runbookFromYaml(`
id: receipt-test
version: 1
title: Receipt test
escalation: { levels: [ { after: 15m, notify: [engineering] } ] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
onResolve: { notify: [operations] }
`);
    await run(async (taskQueue) => {
      const { incidentId } = await sendAlert(
        env.client,
        taskQueue,
        { title: 'Token expired', fingerprint: 'receipt-1' },
        [runbook],
      );
      const handle = env.client.workflow.getHandle(incidentId);
      await mail.waitFor((x) => x.headers.get('x-lockout-step') === 'notify-ops');
      await assert.rejects(
        handle.executeUpdate(m.confirmReceiptUpdate, {
          args: [{ step: 'notify-ops', recipient: 'ben', via: 'email link' }],
        }),
        (err: Error) =>
          err instanceof WorkflowUpdateFailedError &&
          /no message of step "notify-ops" went to ben/.test((err.cause as Error).message),
      );
      assert.equal(
        await handle.executeUpdate(m.confirmReceiptUpdate, {
          args: [{ step: 'notify-ops', recipient: 'ana', via: 'email link', acknowledge: true }],
        }),
        'acknowledged by ana (email link)',
      );
      await env.sleep('20m');
      const s = await status(incidentId);
      assert.deepEqual(
        s.receipts.map((r) => `${r.step}:${r.recipient}:${r.via}`),
        ['notify-ops:ana:email link'],
      );
      assert.equal(s.acknowledgements[0]!.by, 'ana');
      assert.equal(s.escalationLevel, 0);
    });
  });
});
