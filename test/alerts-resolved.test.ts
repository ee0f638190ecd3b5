/**
 * Every alert resolved at its source (issue #12, item 5), on the time-skipping server: recorded,
 * the owner told, resolution proposed or done after the quiet period, the quiet period cancelled
 * by an alert firing again, legal clocks left running; `lockout validate` checks the setting.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadDirectory } from '../comms/directory';
import { joinRunningIncident } from '../client/open-incident';
import type { GenericAlert } from '../domain/alert';
import type { IncidentStatus } from '../domain/incident';
import { Runbook } from '../domain/runbook';
import { parseGenericAlert } from '../intake/alerts';
import { formatStatus } from '../cli/format-status';
import { testDeps } from './helpers/deps';
import { incidentStatus, sendAlert } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { runbookFromYaml } from './helpers/runbooks';
import { startTimeSkippingTemporal } from './helpers/temporal';
import { withWorker } from './helpers/worker';

function runbookWith(setting: string): Runbook {
  return runbookFromYaml(`
id: alerts-resolved-test
version: 1
title: Alerts resolved test
${setting}
clocks:
  - { id: report, title: Compliance report, from: detected, within: 4h, metBy: manual }
  - { id: gdpr-art33, title: GDPR Art. 33, from: aware, within: 72h, legal: true, metBy: manual }
escalation: { levels: [ { after: 1h, notify: [engineering] } ] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
  - { id: await-containment, kind: wait, until: { phase: contained } }
onResolve: { notify: [operations] }
`);
}

const ALERT: GenericAlert = {
  title: 'Salesforce token expired',
  fingerprint: 'alerts-resolved',
  source: 'generic',
  euPersonalData: true,
} as GenericAlert;

describe('all alerts resolved at the source (time-skipping server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  const directory = loadDirectory(join(__dirname, 'fixtures', 'directory.yaml'));

  before(async () => {
    mail = await startMailCatcher();
  });
  after(async () => {
    await mail?.close();
  });
  // A fresh server per test (see escalation.test.ts: time can stay locked after a test).
  beforeEach(async () => {
    mail.messages.splice(0);
    env = await startTimeSkippingTemporal();
  });
  afterEach(async () => {
    await env?.teardown();
  });

  /** Opens the incident, waits for its first message, then resolves its alert at the source. */
  async function openThenResolve(taskQueue: string, runbook: Runbook): Promise<string> {
    const { incidentId } = await sendAlert(env.client, taskQueue, ALERT, [runbook]);
    await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'notify-ops');
    await resend(taskQueue, 'resolved');
    return incidentId;
  }
  const resend = (taskQueue: string, status: 'firing' | 'resolved') =>
    joinRunningIncident(
      { client: env.client, taskQueue, runbooks: () => [] },
      parseGenericAlert({ ...ALERT, status }),
    );
  const alertsResolvedMails = () => mail.messages.filter((m) => /^\[ALERTS RESOLVED\]/.test(m.subject));
  const notResolvedYet = (s: IncidentStatus) => {
    assert.equal(s.resolution, undefined);
    assert.notEqual(s.phase, 'resolved');
  };

  it('propose (default): records it, tells operations and the incident commander, stays open', () =>
    withWorker(
      env,
      testDeps(mail.url, { directory }),
      async (taskQueue) => {
        const incidentId = await openThenResolve(taskQueue, runbookWith(''));
        const [message] = await mail.waitFor((m) => /^\[ALERTS RESOLVED\]/.test(m.subject), 2);
        assert.ok(message!.text.includes(`lockout resolve ${incidentId} --by <your-name>`), message!.text);
        assert.deepEqual(
          alertsResolvedMails()
            .flatMap((m) => m.to)
            .sort(),
          ['ana@test.example', 'dev@test.example'],
        );
        // Well past any quiet period: a proposal never resolves by itself.
        await env.sleep('6h');
        const s = await incidentStatus(env.client, incidentId);
        notResolvedYet(s);
        assert.equal(s.alertsResolved?.policy, 'propose');
        assert.equal(s.alertsResolved?.resolvesAt, undefined);
        assert.ok(
          s.timeline.some(
            (e) =>
              e.summary ===
              'the alert has resolved at the source; resolution proposed to operations and incident-commander',
          ),
        );
        assert.match(formatStatus(s), /All alerts resolved at the source since .*: resolution proposed/);
        assert.equal(alertsResolvedMails().length, 2, 'told once');
      },
      'alerts-resolved-propose',
    ));

  it('resolve-after: resolves once the quiet period has passed, legal clocks keep running', () =>
    withWorker(
      env,
      testDeps(mail.url, { directory }),
      async (taskQueue) => {
        const incidentId = await openThenResolve(
          taskQueue,
          runbookWith('onAlertsResolved: { resolve-after: 30m }'),
        );
        await mail.waitFor((m) => /^\[ALERTS RESOLVED\]/.test(m.subject), 2);
        let s = await incidentStatus(env.client, incidentId);
        const resolvesAt = Date.parse(s.alertsResolved!.resolvesAt!);
        assert.equal(resolvesAt - Date.parse(s.alertsResolved!.at), 30 * 60_000);
        assert.match(formatStatus(s), /resolves by itself at/);
        await env.sleep('29m');
        notResolvedYet(await incidentStatus(env.client, incidentId));
        await env.sleep('2m');
        s = await incidentStatus(env.client, incidentId);
        assert.equal(s.phase, 'resolved');
        assert.equal(s.resolution?.by, 'lockout (all alerts resolved)');
        assert.match(s.resolution!.reason, /none fired again for 30m/);
        assert.ok(Date.parse(s.resolution!.at) >= resolvesAt);
        const gdpr = s.clocks.find((c) => c.id === 'gdpr-art33')!;
        assert.equal(gdpr.state, 'running', 'the legal clock keeps running');
        assert.equal((await env.client.workflow.getHandle(incidentId).describe()).status.name, 'RUNNING');
        await mail.waitFor((m) => /^\[RESOLVED\]/.test(m.subject));
      },
      'alerts-resolved-after',
    ));

  it('resolve-after: an alert firing again cancels the automatic resolution', () =>
    withWorker(
      env,
      testDeps(mail.url, { directory }),
      async (taskQueue) => {
        const incidentId = await openThenResolve(
          taskQueue,
          runbookWith('onAlertsResolved: { resolve-after: 30m }'),
        );
        await mail.waitFor((m) => /^\[ALERTS RESOLVED\]/.test(m.subject), 2);
        await env.sleep('10m');
        await resend(taskQueue, 'firing');
        // Past the moment it would have resolved.
        await env.sleep('2h');
        const s = await incidentStatus(env.client, incidentId);
        notResolvedYet(s);
        assert.equal(s.alertsResolved, undefined);
        assert.ok(
          s.timeline.some(
            (e) =>
              e.summary === 'an alert fired again after all had resolved; automatic resolution cancelled',
          ),
        );
      },
      'alerts-resolved-refire',
    ));

  it('ignore: only recorded, nobody told', () =>
    withWorker(
      env,
      testDeps(mail.url, { directory }),
      async (taskQueue) => {
        const incidentId = await openThenResolve(taskQueue, runbookWith('onAlertsResolved: ignore'));
        await env.sleep('1h');
        const s = await incidentStatus(env.client, incidentId);
        notResolvedYet(s);
        assert.equal(s.alertsResolved?.policy, 'ignore');
        assert.equal(alertsResolvedMails().length, 0);
      },
      'alerts-resolved-ignore',
    ));

  it('the runbook schema (lockout validate) refuses a setting it does not know', () => {
    for (const bad of ['maybe', { 'resolve-after': 'soon' }, { 'resolve-after': '30m', extra: 1 }]) {
      const parsed = Runbook.safeParse({ ...runbookWith(''), onAlertsResolved: bad });
      assert.ok(!parsed.success, JSON.stringify(bad));
      assert.deepEqual(parsed.error.issues[0]!.path.slice(0, 1), ['onAlertsResolved']);
    }
  });
});
