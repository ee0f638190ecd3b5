import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TwilioConfig } from '../activities/deps';
import { Directory, loadDirectory, resolveTarget } from '../comms/directory';
import { idempotencyKey } from '../comms/idempotency';
import { requestedRetryDelaysMs, runChannelActivity, sendInput } from './helpers/channels';
import { SHIPPED_DIRECTORY, testDeps } from './helpers/deps';
import { startLocalTemporal } from './helpers/temporal';
import { startTwilioDouble, TOO_MANY_REQUESTS, type TwilioDouble } from './doubles/twilio';
import { startWebhookDouble, type WebhookDouble } from './doubles/webhook';

/** When the test incident was detected (test/helpers/status.ts): part of every idempotency key. */
const DETECTED_AT = '2026-11-26T02:14:00.000Z';

const UNUSED_SMTP = 'smtp://127.0.0.1:9';

describe('SMS, voice and webhook channels (real twilio client and fetch against loopback doubles, dev server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let twilio: TwilioDouble;
  let hooks: WebhookDouble;
  const directory = loadDirectory(SHIPPED_DIRECTORY);
  const [ana] = resolveTarget(directory, 'person:ana');
  const FROM = '+15555550100';

  before(async () => {
    [env, twilio, hooks] = await Promise.all([
      startLocalTemporal(),
      startTwilioDouble(),
      startWebhookDouble(),
    ]);
  });
  after(async () => {
    await env?.teardown();
    await twilio?.close();
    await hooks?.close();
  });
  beforeEach(() => {
    twilio.requests.splice(0);
    twilio.messages.splice(0);
    twilio.calls.splice(0);
    hooks.posts.splice(0);
  });

  const twilioConfig = (auth?: TwilioConfig['auth']): TwilioConfig => ({
    accountSid: twilio.accountSid,
    auth: auth ?? { authToken: twilio.authToken },
    from: FROM,
    apiUrl: twilio.url,
    ca: twilio.ca,
  });
  const withTwilio = (dataDir?: string) => testDeps(UNUSED_SMTP, { twilio: twilioConfig(), dataDir });

  it("sends the template's sms text through Twilio and records the message SID", async () => {
    const outcome = await runChannelActivity(env, withTwilio(), 'sendSms', sendInput(ana!));
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.equal(twilio.messages.length, 1);
    const [sms] = twilio.messages;
    assert.equal(sms!.to, '+4915100000001');
    assert.equal(sms!.from, FROM);
    assert.match(
      sms!.body,
      /^\[SEV1\] Salesforce lockout lockout-channel-test: Salesforce API certificate chain invalid/,
    );
    assert.match(outcome.receipt.messageId, /^SM[0-9a-f]{32}$/);
    assert.equal(outcome.receipt.messageId, sms!.sid);
    assert.equal(twilio.requests[0]!.username, twilio.accountSid, 'Basic auth with the account SID');
  });

  it('authenticates with an API key and secret instead of the auth token', async () => {
    const keySid = `SK${'a'.repeat(32)}`;
    twilio.addApiKey(keySid, 'key-secret');
    const deps = testDeps(UNUSED_SMTP, {
      twilio: twilioConfig({ apiKeySid: keySid, apiKeySecret: 'key-secret' }),
    });
    const outcome = await runChannelActivity(env, deps, 'sendSms', sendInput(ana!));
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.equal(twilio.requests[0]!.username, keySid);
  });

  it('fails at once, without retrying, on 21211 invalid number', async () => {
    twilio.invalidNumbers.add('+4915100000001');
    try {
      const outcome = await runChannelActivity(env, withTwilio(), 'sendSms', sendInput(ana!));
      assert.ok(!outcome.ok);
      assert.equal(outcome.nonRetryable, true);
      assert.equal(outcome.type, 'PermanentDeliveryError');
      assert.match(outcome.message, /Twilio 400 21211: Invalid 'To' Phone Number/);
      assert.equal(twilio.requests.length, 1, 'no retry of a permanent error');
    } finally {
      twilio.invalidNumbers.clear();
    }
  });

  it('fails at once, without retrying, on 21610 (the recipient replied STOP)', async () => {
    twilio.unsubscribed.add(ana!.phone!);
    try {
      const outcome = await runChannelActivity(env, withTwilio(), 'sendSms', sendInput(ana!));
      assert.ok(!outcome.ok);
      assert.equal(outcome.nonRetryable, true);
      assert.equal(outcome.type, 'PermanentDeliveryError');
      assert.match(outcome.message, /Twilio 400 21610: Attempt to send to unsubscribed recipient/);
      assert.equal(twilio.requests.length, 1, 'no retry of a permanent error');
      assert.equal(twilio.messages.length, 0);
    } finally {
      twilio.unsubscribed.clear();
    }
  });

  it('fails without retrying when Twilio refuses the credentials (20003)', async () => {
    const deps = testDeps(UNUSED_SMTP, { twilio: { ...twilioConfig(), auth: { authToken: 'wrong' } } });
    const outcome = await runChannelActivity(env, deps, 'sendSms', sendInput(ana!));
    assert.ok(!outcome.ok);
    assert.match(outcome.message, /Twilio 401 20003: Authenticate/);
    assert.equal(twilio.requests.length, 1);
  });

  it('honours 429 Retry-After, then delivers', async () => {
    twilio.failNext(1, TOO_MANY_REQUESTS('1'));
    const outcome = await runChannelActivity(env, withTwilio(), 'sendSms', sendInput(ana!));
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.equal(twilio.requests.length, 2);
    assert.equal(twilio.messages.length, 1);
    assert.match(outcome.receipt.detail, /attempt 2/);
    assert.deepEqual(
      await requestedRetryDelaysMs(env, outcome.workflowId),
      [1000],
      'Retry-After became the retry delay',
    );
  });

  it('retries a Twilio 500 with backoff', async () => {
    twilio.failNext(2, { status: 500, code: 20500, message: 'Internal Server Error' });
    const outcome = await runChannelActivity(env, withTwilio(), 'sendSms', sendInput(ana!));
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.equal(twilio.requests.length, 3);
    assert.match(outcome.receipt.detail, /attempt 3/);
  });

  it('never sends an accepted message again when the same step is retried', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lockout-ledger-'));
    const first = await runChannelActivity(env, withTwilio(dataDir), 'sendSms', sendInput(ana!));
    const again = await runChannelActivity(env, withTwilio(dataDir), 'sendSms', sendInput(ana!));
    assert.ok(first.ok && again.ok);
    assert.equal(twilio.messages.length, 1);
    assert.equal(again.receipt.messageId, first.receipt.messageId);
    assert.match(again.receipt.detail, /not sent again/);
    const otherStep = await runChannelActivity(
      env,
      withTwilio(dataDir),
      'sendSms',
      sendInput(ana!, { step: 'escalation-1' }),
    );
    assert.ok(otherStep.ok);
    assert.equal(twilio.messages.length, 2, 'another step is another message');
  });

  it('places a voice call that says the sms text twice', async () => {
    const outcome = await runChannelActivity(
      env,
      withTwilio(),
      'placeVoiceCall',
      sendInput(ana!, { template: 'escalation-notice', step: 'escalation-2' }),
    );
    assert.ok(outcome.ok, JSON.stringify(outcome));
    const [call] = twilio.calls;
    assert.match(call!.sid, /^CA/);
    assert.equal(outcome.receipt.messageId, call!.sid);
    const says = [...call!.twiml.matchAll(/<Say[^>]*>([^<]*)<\/Say>/g)].map((m) => m[1]);
    assert.equal(says.length, 2);
    assert.match(says[0]!, /ESCALATION L0 \[SEV1\] Salesforce lockout lockout-channel-test/);
    assert.ok(says[0]!.includes('&lt;you&gt;'), 'TwiML escapes the text');
  });

  it('stores SMS and calls in the outbox when Twilio is not configured, and says so', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lockout-outbox-'));
    const deps = testDeps(UNUSED_SMTP, { dataDir });
    const outcome = await runChannelActivity(env, deps, 'sendSms', sendInput(ana!));
    assert.ok(outcome.ok);
    assert.equal(outcome.receipt.outcome, 'outboxed');
    assert.match(outcome.receipt.detail, /^not delivered: channel not configured \(no Twilio credentials/);
    const file = join(
      dataDir,
      'outbox',
      'sms',
      `${idempotencyKey('lockout-channel-test', 'notify-ops', 'ana', 'sms', DETECTED_AT)}.json`,
    );
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { sms: string; recipient: { address: string } };
    assert.match(stored.sms, /Salesforce lockout lockout-channel-test/);
    assert.equal(stored.recipient.address, '+4915100000001');
    const call = await runChannelActivity(env, deps, 'placeVoiceCall', sendInput(ana!));
    assert.ok(call.ok && call.receipt.outcome === 'outboxed');
    assert.ok(existsSync(join(dataDir, 'outbox', 'voice')));
    assert.equal(twilio.requests.length, 0);
  });

  describe('webhooks', () => {
    const roomDirectory = (format: string) =>
      Directory.parse({
        ...directory,
        webhooks: { ...directory.webhooks, room: { name: 'Room', urlEnv: 'ROOM_URL', format } },
      });
    const room = { id: 'webhook:room', name: 'Room', channels: ['webhook' as const] };
    const deps = (format = 'slack', path = '/slack/room') =>
      testDeps(UNUSED_SMTP, {
        directory: roomDirectory(format),
        secrets: { ROOM_URL: `${hooks.url}${path}` },
      });

    it('posts Slack {"text"} with the subject in bold and an idempotency key', async () => {
      const outcome = await runChannelActivity(env, deps(), 'postWebhook', sendInput(room));
      assert.ok(outcome.ok, JSON.stringify(outcome));
      const [post] = hooks.posts;
      const { text } = post!.json as { text: string };
      assert.match(
        text,
        /^\*\[SEV1\] Salesforce integration lockout: Salesforce API certificate chain invalid \(lockout-channel-test\)\*\n/,
      );
      assert.ok(text.includes('--by &lt;your-name&gt;'), 'Slack control characters escaped');
      assert.equal(
        post!.headers['idempotency-key'],
        idempotencyKey('lockout-channel-test', 'notify-ops', 'webhook:room', 'webhook', DETECTED_AT),
      );
      assert.equal(outcome.receipt.detail, 'HTTP 200 ok');
    });

    it('posts Teams MessageCards and Adaptive Cards', async () => {
      const card = await runChannelActivity(env, deps('teams', '/teams'), 'postWebhook', sendInput(room));
      assert.ok(card.ok);
      const messageCard = hooks.posts[0]!.json as Record<string, string>;
      assert.equal(messageCard['@type'], 'MessageCard');
      assert.equal(messageCard.themeColor, 'D13438');
      assert.match(messageCard.title!, /lockout-channel-test/);
      const adaptive = await runChannelActivity(
        env,
        deps('teams-adaptive', '/teams-flow'),
        'postWebhook',
        sendInput(room, { step: 's2' }),
      );
      assert.ok(adaptive.ok);
      const body = hooks.posts[1]!.json as {
        attachments: Array<{ contentType: string; content: { type: string } }>;
      };
      assert.equal(body.attachments[0]!.contentType, 'application/vnd.microsoft.card.adaptive');
      assert.equal(body.attachments[0]!.content.type, 'AdaptiveCard');
    });

    it('retries a 500 and a 429 (after Retry-After), then delivers', async () => {
      hooks.answer(
        '/flaky',
        { status: 500, body: 'internal_error' },
        { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } },
      );
      const outcome = await runChannelActivity(env, deps('slack', '/flaky'), 'postWebhook', sendInput(room));
      assert.ok(outcome.ok, JSON.stringify(outcome));
      assert.equal(hooks.posts.length, 3);
      assert.match(outcome.receipt.detail, /attempt 3/);
      assert.deepEqual(await requestedRetryDelaysMs(env, outcome.workflowId), [1000]);
    });

    it('gives up at once on a 400, naming the host but not the secret URL', async () => {
      hooks.answer('/secret-token-123', { status: 400, body: 'invalid_payload' });
      const outcome = await runChannelActivity(
        env,
        deps('slack', '/secret-token-123'),
        'postWebhook',
        sendInput(room),
      );
      assert.ok(!outcome.ok);
      assert.equal(outcome.nonRetryable, true);
      assert.match(outcome.message, /HTTP 400 invalid_payload/);
      assert.doesNotMatch(outcome.message, /secret-token-123/);
      assert.equal(hooks.posts.length, 1);
    });

    it('stores the payload in the outbox when the webhook URL variable is not set', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'lockout-outbox-'));
      const noUrl = testDeps(UNUSED_SMTP, { directory: roomDirectory('slack'), dataDir });
      const outcome = await runChannelActivity(env, noUrl, 'postWebhook', sendInput(room));
      assert.ok(outcome.ok && outcome.receipt.outcome === 'outboxed');
      assert.match(outcome.receipt.detail, /not delivered: channel not configured \(ROOM_URL is not set/);
      const [file] = readdirSync(join(dataDir, 'outbox', 'webhook'));
      const stored = JSON.parse(readFileSync(join(dataDir, 'outbox', 'webhook', file!), 'utf8')) as {
        payload: { text: string };
      };
      assert.match(stored.payload.text, /lockout-channel-test/);
      assert.equal(hooks.posts.length, 0);
    });
  });
});
