/**
 * deliverNotification: a whole notification's first try in one activity (activities/notification.ts),
 * run on a real worker and dev server, sending through a real SMTP server.
 */
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NotificationInput } from '../activities/notification';
import { runNotificationActivity } from './helpers/channels';
import { testDeps } from './helpers/deps';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { freshStatus } from './helpers/status';
import { startLocalTemporal } from './helpers/temporal';

function notification(overrides: Partial<NotificationInput> = {}): NotificationInput {
  return {
    incidentId: 'lockout-notification-test',
    step: 'notify-ops',
    targets: ['operations'],
    template: 'ops-technical-alert',
    channels: ['sms', 'email'],
    status: {
      ...freshStatus({ id: 'generic-lockout', version: 1, title: 'Generic Salesforce integration lockout' }),
      incidentId: 'lockout-notification-test',
    },
    at: '2026-11-26T02:15:00.000Z',
    ...overrides,
  };
}

describe('deliverNotification: a notification in one activity (dev server, real SMTP)', function () {
  this.timeout(60_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
  });
  after(async () => {
    await env?.teardown();
    await mail?.close();
  });

  it('resolves each target, moves from an outboxed SMS to email, and says which target is unknown', async () => {
    const outcome = await runNotificationActivity(
      env,
      testDeps(mail.url),
      notification({ targets: ['operations', 'team:nobody-here', 'vendor-risk@globex.example.com'] }),
    );
    assert.ok(outcome.ok, JSON.stringify(outcome));
    const result = outcome.receipt;
    assert.deepEqual(
      result.unresolved.map((u) => u.target),
      ['team:nobody-here'],
    );
    assert.match(result.unresolved[0]!.reason, /nobody-here/);
    const byRecipient = Object.fromEntries(
      result.recipients.map((r) => [r.recipient.id, r.attempts.map((a) => `${a.channel} ${a.outcome}`)]),
    );
    assert.deepEqual(byRecipient, {
      ana: ['sms outboxed', 'email delivered'],
      'vendor-risk@globex.example.com': ['email delivered'],
    });
    assert.ok(result.recipients.every((r) => r.retry === undefined));
    const mails = await mail.waitFor(
      (m) => m.headers.get('x-lockout-incident') === 'lockout-notification-test',
      2,
    );
    assert.deepEqual(mails.map((m) => m.to).sort(), [
      ['ana.ortiz@example.com'],
      ['vendor-risk@globex.example.com'],
    ]);
  });

  it('sends nothing twice when the same notification is tried again', async () => {
    const input = notification({ step: 'notify-again', channels: ['email'] });
    const deps = testDeps(mail.url);
    const first = await runNotificationActivity(env, deps, input);
    const again = await runNotificationActivity(env, deps, input);
    assert.ok(first.ok && again.ok);
    const attempt = again.receipt.recipients[0]!.attempts[0]!;
    assert.equal(attempt.outcome, 'delivered');
    assert.match(attempt.detail, /not sent again/);
    const sent = mail.messages.filter((m) => m.headers.get('x-lockout-step') === 'notify-again');
    assert.equal(sent.length, 1);
  });

  it('refuses a malformed notification for good, naming the field', async () => {
    const outcome = await runNotificationActivity(env, testDeps(mail.url), {
      ...notification(),
      targets: 'operations',
      at: 'yesterday',
    } as unknown as NotificationInput);
    assert.ok(!outcome.ok);
    assert.equal(outcome.type, 'InvalidArguments');
    assert.equal(outcome.nonRetryable, true);
    assert.match(outcome.message, /targets: .*; at: /);
  });
});
