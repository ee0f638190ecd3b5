import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { acknowledgeUpdate, resolveUpdate } from '../workflows/messages';
import { openOrJoinIncident } from '../client/open-incident';
import type { ActivePeriod } from '../client/periods';
import { parseGenericAlert } from '../intake/alerts';
import { testDeps } from './helpers/deps';
import { incidentStatus, sendAlert } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { runbookFromYaml } from './helpers/runbooks';
import { startTimeSkippingTemporal } from './helpers/temporal';
import { withWorker } from './helpers/worker';

describe('incident escalation (time-skipping server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;

  // A fresh server per test: the time-skipping server can keep time locked after a test ends
  // with an activity in flight, and a later env.sleep then never returns (sdk-java#2670).
  before(async () => {
    mail = await startMailCatcher();
  });
  after(async () => {
    await mail?.close();
  });
  beforeEach(async () => {
    mail.messages.splice(0);
    env = await startTimeSkippingTemporal();
  });
  afterEach(async () => {
    await env?.teardown();
  });

  const run = (fn: (taskQueue: string) => Promise<void>) =>
    withWorker(env, testDeps(mail.url), fn, 'escalation');

  /** Two escalation levels 15 minutes apart, email only: the skeleton every runbook builds on. */
  const chain = runbookFromYaml(`
id: escalation-test
version: 1
title: Escalation test
escalation:
  levels:
    - { after: 15m, notify: [engineering, compliance] }
    - { after: 15m, notify: [incident-commander] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
onResolve: { notify: [operations, engineering, compliance] }
`);

  it('emails operations the technical alert with id, pattern, severity and how to acknowledge', async () => {
    await run(async (taskQueue) => {
      const { incidentId } = await sendAlert(
        env.client,
        taskQueue,
        {
          title: 'Salesforce API certificate chain invalid',
          pattern: 'certificate-chain',
          severity: 'sev1',
          region: 'eu',
        },
        [chain],
      );
      const [message] = await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'notify-ops');
      assert.ok(message);
      assert.deepEqual(message.to, ['ana.ortiz@example.com']);
      assert.match(message.subject, /\[SEV1\]/);
      assert.ok(message.subject.includes(incidentId));
      assert.match(message.text, /Pattern:\s+certificate-chain/);
      assert.match(message.text, /Severity:\s+sev1/);
      assert.ok(message.text.includes(`lockout ack ${incidentId} --by <your-name>`), message.text);
      assert.match(message.text, /send the signal "acknowledge"/);
      assert.match(message.html, /<table>/);
    });
  });

  it('escalates to the next level when nobody acknowledges within 15 minutes, and not before', async () => {
    await run(async (taskQueue) => {
      const { incidentId } = await sendAlert(
        env.client,
        taskQueue,
        { title: 'Token expired', pattern: 'token-expiry' },
        [chain],
      );
      await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'notify-ops');

      await env.sleep('14m');
      assert.equal((await incidentStatus(env.client, incidentId)).escalationLevel, 0);
      assert.equal(mail.messages.filter((m) => /ESCALATION/.test(m.subject)).length, 0);

      await env.sleep('2m');
      const level1 = await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'escalation-1', 2);
      assert.deepEqual(level1.flatMap((m) => m.to).sort(), [
        'ben.okafor@example.com',
        'chloe.martin@example.com',
      ]);
      assert.match(level1[0]!.subject, /ESCALATION level 1/);

      await env.sleep('15m');
      const level2 = await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'escalation-2');
      assert.deepEqual(level2[0]!.to, ['dev.patel@example.com']);

      const status = await incidentStatus(env.client, incidentId);
      assert.equal(status.escalationLevel, 2);
      const escalations = status.timeline.filter((e) => e.kind === 'escalation');
      assert.equal(escalations.length, 2);
      const gapMs = Date.parse(escalations[0]!.at) - Date.parse(status.detectedAt);
      assert.ok(gapMs >= 15 * 60_000 && gapMs < 16 * 60_000, `first escalation after ${gapMs} ms`);
    });
  });

  /** Opens an incident on the chain through the real intake while `periods` are under way. */
  async function openDuring(
    taskQueue: string,
    fingerprint: string,
    periods: ActivePeriod[],
  ): Promise<string> {
    const intake = {
      client: env.client,
      taskQueue,
      runbooks: () => [chain],
      activePeriods: async () => periods,
    };
    const alert = parseGenericAlert({ title: 'Token expired', pattern: 'token-expiry', fingerprint });
    return (await openOrJoinIncident(intake, alert)).incidentId;
  }

  it('escalates sooner when opened during a high-risk period that expects acknowledgement within 5m', async () => {
    await run(async (taskQueue) => {
      // Two periods under way: the shorter window counts; one without a window only marks.
      const incidentId = await openDuring(taskQueue, 'period-ack', [
        { id: 'q4-review', acknowledgeWithin: '10m' },
        { id: 'freeze', acknowledgeWithin: '5m' },
        { id: 'soc2' },
      ]);
      await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'notify-ops');

      await env.sleep('4m');
      assert.equal((await incidentStatus(env.client, incidentId)).escalationLevel, 0);
      await env.sleep('2m');
      await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'escalation-1', 2);
      await env.sleep('5m');
      await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'escalation-2');

      const status = await incidentStatus(env.client, incidentId);
      assert.equal(status.facts.labels['high-risk-period'], 'q4-review,freeze,soc2');
      const escalations = status.timeline.filter((e) => e.kind === 'escalation');
      assert.equal(escalations.length, 2);
      assert.match(
        escalations[0]!.summary,
        /^no acknowledgement after 5m \(high-risk period\): escalating to level 1/,
      );
      const gapMs = Date.parse(escalations[0]!.at) - Date.parse(status.detectedAt);
      assert.ok(gapMs >= 5 * 60_000 && gapMs < 6 * 60_000, `first escalation after ${gapMs} ms`);
      const secondGapMs = Date.parse(escalations[1]!.at) - Date.parse(escalations[0]!.at);
      assert.ok(secondGapMs >= 5 * 60_000 && secondGapMs < 6 * 60_000, `second after ${secondGapMs} ms`);
    });
  });

  it("ignores malformed acknowledgement windows of periods, and escalates after the level's own wait", async () => {
    await run(async (taskQueue) => {
      // Two malformed windows (a period source may be anything): ignored, the alert still opens.
      const incidentId = await openDuring(taskQueue, 'period-odd', [
        { id: 'odd', acknowledgeWithin: 'soon' },
        { id: 'odder', acknowledgeWithin: '-5m' },
      ]);
      await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'notify-ops');
      await env.sleep('14m');
      assert.equal((await incidentStatus(env.client, incidentId)).escalationLevel, 0);
      await env.sleep('2m');
      await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'escalation-1', 2);
      const status = await incidentStatus(env.client, incidentId);
      assert.match(
        status.timeline.find((e) => e.kind === 'escalation')!.summary,
        /^no acknowledgement after 15m: escalating to level 1/,
      );
    });
  });

  it('never sends an escalation once someone acknowledged before the timeout', async () => {
    await run(async (taskQueue) => {
      const { incidentId } = await sendAlert(
        env.client,
        taskQueue,
        {
          title: 'ACL drift',
          pattern: 'acl-misconfiguration',
        },
        [chain],
      );
      await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'notify-ops');
      await env.sleep('5m');
      const handle = env.client.workflow.getHandle(incidentId);
      assert.equal(
        await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'ana' }] }),
        'acknowledged by ana',
      );

      await env.sleep('3h');
      const status = await incidentStatus(env.client, incidentId);
      assert.equal(status.phase, 'acknowledged');
      assert.equal(status.escalationLevel, 0, JSON.stringify(status.timeline, null, 1));

      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'ana', reason: 'permission set restored' }] });
      await handle.result();
      await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'resolution', 3);
      assert.equal(mail.messages.filter((m) => /ESCALATION/.test(m.subject)).length, 0);
    });
  });
});
