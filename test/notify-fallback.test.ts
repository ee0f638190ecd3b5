import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runbook } from '../domain/runbook';
import { resolveUpdate } from '../workflows/messages';
import { createIncidentWorker } from '../workers/worker';
import { runCli } from './helpers/cli';
import { testDeps } from './helpers/deps';
import { incidentStatus, sendAlert, terminateOpenIncidents } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { startTimeSkippingTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';
import { startTwilioDouble, type TwilioDouble } from './doubles/twilio';
import { startWebhookDouble, type WebhookDouble } from './doubles/webhook';

/** A small runbook: operations by SMS, then email; the ops chat room by webhook. */
const runbook = Runbook.parse({
  id: 'comms-fallback',
  version: 1,
  title: 'Channel fallback',
  match: { fallback: true },
  escalation: { levels: [] },
  steps: [
    {
      id: 'notify-ops',
      kind: 'notify',
      audience: ['operations', 'ops-chat', 'vendor-risk@globex.example.com'],
      template: 'ops-technical-alert',
      channels: ['sms', 'email', 'webhook'],
    },
  ],
  onResolve: { notify: ['operations'], template: 'resolution-notice' },
});

/** The activity types the incident scheduled so far, in order. */
async function activitiesOf(env: TestWorkflowEnvironment, incidentId: string): Promise<string[]> {
  const history = await env.client.workflow.getHandle(incidentId).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}

describe('notification fallback in the incident workflow (time-skipping server, real worker)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let twilio: TwilioDouble;
  let hooks: WebhookDouble;

  before(async () => {
    [env, mail, twilio, hooks] = await Promise.all([
      startTimeSkippingTemporal(),
      startMailCatcher(),
      startTwilioDouble(),
      startWebhookDouble(),
    ]);
  });
  after(async () => {
    await env?.teardown();
    await mail?.close();
    await twilio?.close();
    await hooks?.close();
  });

  /** A real incident worker whose SMS go to the Twilio double and whose ops-chat posts go to the webhook double. */
  async function startWorker(taskQueue: string) {
    return createIncidentWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      deps: testDeps(mail.url, {
        twilio: {
          accountSid: twilio.accountSid,
          auth: { authToken: twilio.authToken },
          from: '+15555550100',
          apiUrl: twilio.url,
          ca: twilio.ca,
        },
        secrets: { SLACK_OPS_WEBHOOK_URL: `${hooks.url}/services/T000/B000/XXXX` },
      }),
      workflowBundle: await workflowBundle(),
    });
  }

  it('falls back from SMS (21211 invalid number) to email, and records every attempt', async () => {
    twilio.invalidNumbers.add('+4915100000001');
    const taskQueue = uniqueTaskQueue('fallback');
    const worker = await startWorker(taskQueue);
    await worker.runUntil(async () => {
      try {
        const { incidentId } = await sendAlert(
          env.client,
          taskQueue,
          { title: 'Sync jobs denied', pattern: 'acl-misconfiguration' },
          [runbook],
        );
        const [email] = await mail.waitFor(
          (m) => m.headers.get('x-lockout-step') === 'notify-ops' && m.to.includes('ana.ortiz@example.com'),
        );
        assert.match(email!.subject, /Sync jobs denied/);

        let status = await incidentStatus(env.client, incidentId);
        for (let i = 0; i < 50 && status.deliveries.length < 4; i++) {
          await env.sleep('1s');
          status = await incidentStatus(env.client, incidentId);
        }
        const attempts = status.deliveries.map((d) => `${d.recipient} ${d.channel} ${d.outcome}`);
        assert.deepEqual(attempts.sort(), [
          'ana email delivered',
          'ana sms failed',
          'vendor-risk@globex.example.com email delivered',
          'webhook:ops-slack webhook delivered',
        ]);
        const sms = status.deliveries.find((d) => d.channel === 'sms')!;
        assert.match(sms.detail!, /21211: Invalid 'To' Phone Number/);
        const anaEmail = status.deliveries.find((d) => d.recipient === 'ana' && d.channel === 'email')!;
        assert.equal(anaEmail.messageId, email!.messageId, 'the Message-ID sent is the one recorded');
        const lines = status.timeline.filter((e) => e.kind === 'notification').map((e) => e.summary);
        assert.ok(
          lines.some((l) => /by sms failed: .*21211.*; trying email$/.test(l)),
          lines.join('\n'),
        );
        assert.ok(
          lines.some((l) => /Ana Ortiz \(SRE on call\) by email: delivered, message id </.test(l)),
          lines.join('\n'),
        );
        assert.equal(twilio.messages.length, 0);
        assert.equal(hooks.posts.length, 1);
        assert.equal(twilio.requests.length, 1, 'the outside address has no phone: no SMS tried');
        // A lean incident tries the whole notification in one activity: no send activity per person.
        assert.deepEqual(await activitiesOf(env, incidentId), ['deliverNotification']);

        // A responder reviews the formal report of this incident before it goes out.
        const preview = await runCli(
          ['preview', 'compliance-status-report', '--incident', incidentId, '--json'],
          {
            TEMPORAL_ADDRESS: env.address,
          },
        );
        assert.equal(preview.code, 0, preview.stderr);
        const [report] = JSON.parse(preview.stdout) as Array<{ text: string }>;
        assert.match(report!.text, /notify-ops to ana by sms: failed/);
        assert.match(report!.text, /notify-ops to ana by email: delivered \[</);

        await env.client.workflow
          .getHandle(incidentId)
          .executeUpdate(resolveUpdate, { args: [{ by: 'ana', reason: 'permission set restored' }] });
        await env.client.workflow.getHandle(incidentId).result();
        const [closing] = await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'resolution');
        assert.match(closing!.text, /permission set restored/);
      } finally {
        twilio.invalidNumbers.clear();
        await terminateOpenIncidents(env.client, taskQueue);
      }
    });
  });
  it('retries a transient failure of the first try in a send activity of its own, and posts once', async () => {
    // The chat room answers 503 twice: the notification's first try hands it back, the send
    // activity's Temporal retries get through. SMS to ana is accepted at once.
    hooks.answer('/services/T000/B000/XXXX', { status: 503, body: 'busy' }, { status: 503, body: 'busy' });
    const postsBefore = hooks.posts.length;
    const taskQueue = uniqueTaskQueue('fallback-transient');
    const worker = await startWorker(taskQueue);
    await worker.runUntil(async () => {
      try {
        const { incidentId } = await sendAlert(
          env.client,
          taskQueue,
          {
            title: 'Sync jobs denied again',
            pattern: 'acl-misconfiguration',
            fingerprint: 'fallback-transient',
          },
          [runbook],
        );
        let status = await incidentStatus(env.client, incidentId);
        for (let i = 0; i < 60 && !status.deliveries.some((d) => d.channel === 'webhook'); i++) {
          await env.sleep('1s');
          status = await incidentStatus(env.client, incidentId);
        }
        const attempts = status.deliveries.map((d) => `${d.recipient} ${d.channel} ${d.outcome}`);
        assert.deepEqual(attempts.sort(), [
          'ana sms delivered',
          'vendor-risk@globex.example.com email delivered',
          'webhook:ops-slack webhook delivered',
        ]);
        const posts = hooks.posts.slice(postsBefore);
        assert.equal(posts.length, 3, 'two refused posts, then the one that got through');
        assert.equal(new Set(posts.map((p) => p.headers['idempotency-key'])).size, 1, 'one message, one key');
        assert.deepEqual(await activitiesOf(env, incidentId), ['deliverNotification', 'postWebhook']);
        const lines = status.timeline.filter((e) => e.kind === 'notification').map((e) => e.summary);
        assert.ok(!lines.some((l) => /NOT REACHED|failed/.test(l)), lines.join('\n'));
      } finally {
        await terminateOpenIncidents(env.client, taskQueue);
      }
    });
  });
});
