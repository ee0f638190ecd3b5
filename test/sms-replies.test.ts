import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import twilio from 'twilio';
import { loadDirectory } from '../comms/directory';
import { messageRepliedTo, parseReply, replyCode, replyHint } from '../comms/sms-reply';
import type { Delivery, IncidentStatus } from '../domain/incident';
import { buildGateway } from '../gateway/server';
import { SMS_REPLY_PATH } from '../gateway/routes/sms-replies';
import { testDeps } from './helpers/deps';
import { incidentStatus, sendAlert } from './helpers/incidents';
import { timelineAt, waitPastDue } from './helpers/past-due';
import { parseMetrics } from './helpers/prometheus';
import { runbookFromYaml } from './helpers/runbooks';
import { startLocalTemporal } from './helpers/temporal';
import { withWorker } from './helpers/worker';
import { startTwilioDouble, type TwilioDouble } from './doubles/twilio';

const ANA = '+4915100000001';
const BEN = '+4915100000002';

describe('SMS reply codes and parsing', () => {
  it('derives a stable four-letter code per incident and step, without look-alike characters', () => {
    const code = replyCode('sf-cert-chain-prod', 'notify-ops');
    assert.match(code, /^[2-9A-HJKMNP-Z]{4}$/);
    assert.equal(replyCode('sf-cert-chain-prod', 'notify-ops'), code);
    assert.notEqual(replyCode('sf-cert-chain-prod', 'escalation-1'), code);
    assert.equal(replyHint(code), `Reply ACK ${code} to acknowledge, OK ${code} if you got this.`);
  });

  it('reads ACK and OK with or without a code, in any case, and explains anything else', () => {
    assert.deepEqual(parseReply('ack'), { ok: true, acknowledge: true });
    assert.deepEqual(parseReply('  Ok  7k2p '), { ok: true, acknowledge: false, code: '7K2P' });
    assert.deepEqual(parseReply('ACK 7K2P'), { ok: true, acknowledge: true, code: '7K2P' });
    for (const body of ['', 'yes', 'approve rotate', 'STOPP']) {
      const parsed = parseReply(body);
      assert.equal(parsed.ok, false, body);
      assert.match((parsed as { reason: string }).reason, /^Not understood\. Reply ACK <code>/);
    }
    const badCode = parseReply('ack 10IO');
    assert.equal(badCode.ok, false);
    assert.match((badCode as { reason: string }).reason, /"10IO" is not a reply code/);
    assert.equal(parseReply('ack 7K2P please').ok, false);
  });

  it('answers the latest SMS to the sender, or the one with the code; never a failed or outboxed one', () => {
    const delivery = (
      step: string,
      recipient: string,
      at: string,
      outcome: Delivery['outcome'] = 'delivered',
    ) => ({ step, recipient, at, outcome, channel: 'sms' }) as Delivery;
    const incident = (incidentId: string, deliveries: Delivery[]) =>
      ({ incidentId, deliveries }) as unknown as IncidentStatus;
    const open = [
      incident('a', [delivery('notify-ops', 'ana', '2026-11-27T01:00:00Z')]),
      incident('b', [
        delivery('notify-ops', 'ana', '2026-11-27T02:00:00Z'),
        delivery('escalation-1', 'ana', '2026-11-27T03:00:00Z', 'outboxed'),
        delivery('escalation-2', 'ben', '2026-11-27T04:00:00Z'),
      ]),
    ];
    const ana = new Set(['ana', ANA]);
    assert.deepEqual(messageRepliedTo(open, ana), {
      incidentId: 'b',
      step: 'notify-ops',
      recipient: 'ana',
      at: '2026-11-27T02:00:00Z',
    });
    const older = messageRepliedTo(open, ana, replyCode('a', 'notify-ops'));
    assert.equal('incidentId' in older && older.incidentId, 'a');
    const outboxed = messageRepliedTo(open, ana, replyCode('b', 'escalation-1'));
    assert.match((outboxed as { reason: string }).reason, /has the code/);
    assert.match(
      (messageRepliedTo(open, new Set(['+15550000000'])) as { reason: string }).reason,
      /No open incident has sent an SMS to this number/,
    );
  });
});

describe('SMS replies end to end (dev server, real twilio client and webhook signatures, gateway)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let twilioApi: TwilioDouble;
  let app: FastifyInstance;
  let base: string;
  const dir = mkdtempSync(join(tmpdir(), 'lockout-sms-replies-'));
  const directoryFile = join(dir, 'directory.yaml');
  writeFileSync(
    directoryFile,
    `people:
  ana: { name: Ana, phone: "${ANA}", roles: [sre] }
  ben: { name: Ben, phone: "${BEN}", email: ben@test.example, roles: [engineering-lead] }
audiences:
  operations: { members: [ana] }
  engineering: { members: [ben] }
`,
  );
  const directory = loadDirectory(directoryFile);

  before(async () => {
    [env, twilioApi] = await Promise.all([startLocalTemporal(), startTwilioDouble()]);
    app = buildGateway({
      intake: { client: env.client, taskQueue: 'unused', runbooks: () => [] },
      webUiLink: (id) => `http://ui.test/workflows/${id}`,
      // Twilio signs the public URL it posts to; the gateway is told it (LOCKOUT_GATEWAY_URL).
      smsReplies: {
        client: env.client,
        authToken: twilioApi.authToken,
        publicUrl: 'https://lockout.example.com/',
        directory: () => directory,
      },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app?.close();
    await env?.teardown();
    await twilioApi?.close();
  });

  /** What Twilio would post for an incoming SMS, signed as Twilio signs it. */
  async function textFrom(from: string, body: string, authToken = twilioApi.authToken) {
    const form = {
      MessageSid: `SM${'1'.repeat(32)}`,
      AccountSid: twilioApi.accountSid,
      From: from,
      To: '+15555550100',
      Body: body,
      NumMedia: '0',
    };
    const signature = twilio.getExpectedTwilioSignature(
      authToken,
      `https://lockout.example.com${SMS_REPLY_PATH}`,
      form,
    );
    const response = await fetch(base + SMS_REPLY_PATH, {
      method: 'POST',
      headers: { 'x-twilio-signature': signature },
      body: new URLSearchParams(form),
    });
    const text = await response.text();
    const said = /<Message>([\s\S]*)<\/Message>/.exec(text)?.[1];
    return { status: response.status, type: response.headers.get('content-type'), text, said };
  }

  async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
    for (let i = 0; i < 100; i++) {
      const value = await read();
      if (ok(value)) return value;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('condition not reached within 20 s');
  }

  it('ACK from the paged phone acknowledges as that person; forged, unknown, garbled and wrong-code replies change nothing', async () => {
    const runbook = runbookFromYaml(`
id: sms-reply-test
version: 1
title: SMS reply test
escalation:
  levels:
    - { after: 20s, notify: [engineering], channels: [sms] }
steps:
  - { id: notify-ops, kind: notify, audience: [operations], template: ops-technical-alert, channels: [sms] }
onResolve: { notify: [operations] }
`);
    const deps = testDeps('smtp://127.0.0.1:9', {
      directory,
      smsReplies: true,
      twilio: {
        accountSid: twilioApi.accountSid,
        auth: { authToken: twilioApi.authToken },
        from: '+15555550100',
        apiUrl: twilioApi.url,
        ca: twilioApi.ca,
      },
    });
    await withWorker(env, deps, async (taskQueue) => {
      const { incidentId } = await sendAlert(
        env.client,
        taskQueue,
        { title: 'Salesforce token refused', fingerprint: 'sms-replies' },
        [runbook],
      );
      const status = () => incidentStatus(env.client, incidentId);
      const sent = await eventually(status, (s) => s.deliveries.some((d) => d.outcome === 'delivered'));
      const sms = twilioApi.messages.find((x) => x.to === ANA);
      assert.ok(sms, 'Ana was texted');
      const code = replyCode(incidentId, 'notify-ops');
      assert.ok(sms.body.endsWith(replyHint(code)), sms.body);
      const timelineBefore = sent.timeline.length;

      // Signed with another token: 403, no TwiML, nothing recorded.
      const forged = await textFrom(ANA, `ACK ${code}`, 'not-the-auth-token');
      assert.equal(forged.status, 403);
      assert.match(forged.text, /X-Twilio-Signature/);
      const unsigned = await fetch(base + SMS_REPLY_PATH, {
        method: 'POST',
        body: new URLSearchParams({ From: ANA, Body: 'ACK' }),
      });
      assert.equal(unsigned.status, 403);

      const garbled = await textFrom(ANA, 'yes I am on it');
      assert.equal(garbled.status, 200);
      assert.match(garbled.type ?? '', /text\/xml/);
      assert.match(garbled.said ?? '', /Not understood/);

      const stranger = await textFrom('+15550009999', 'ACK');
      assert.match(stranger.said ?? '', /No open incident has sent an SMS to this number/);

      const wrongCode = await textFrom(ANA, 'ACK ZZZZ');
      assert.match(wrongCode.said ?? '', /has the code ZZZZ/);

      const unchanged = await status();
      assert.deepEqual(unchanged.acknowledgements, []);
      assert.deepEqual(unchanged.receipts, []);
      assert.equal(unchanged.timeline.length, timelineBefore, 'refused replies record nothing');

      // OK only confirms receipt; ACK (no code: her latest SMS) acknowledges as Ana.
      const received = await textFrom(ANA, `ok ${code.toLowerCase()}`);
      assert.match(received.said ?? '', new RegExp(`^${incidentId}: receipt of notify-ops by ana recorded$`));
      const afterOk = await status();
      assert.deepEqual(afterOk.acknowledgements, []);
      assert.deepEqual(
        afterOk.receipts.map((r) => [r.step, r.recipient, r.via]),
        [['notify-ops', 'ana', 'SMS reply']],
      );

      const acked = await textFrom(ANA, 'ACK');
      assert.match(acked.said ?? '', new RegExp(`^${incidentId}: .*acknowledged`));
      const afterAck = await status();
      assert.ok(
        afterAck.acknowledgements.some((a) => a.by === 'ana' && /SMS reply/.test(a.note ?? '')),
        JSON.stringify(afterAck.acknowledgements),
      );

      // Ben was never texted: Ana's ACK stopped the escalation before its 20 s. The test waits past
      // them, so a reply that did not stop it would have texted Ben by then.
      const openedAt = timelineAt(afterAck.timeline, /^incident opened/, 'the incident');
      const ackAt = timelineAt(afterAck.timeline, /^acknowledged by ana/, "Ana's acknowledgement");
      assert.ok(
        ackAt < openedAt + 20_000,
        'acknowledged before the escalation was due (else Ben could be texted)',
      );
      await waitPastDue(env.client, incidentId, openedAt + 20_000);
      assert.equal((await status()).escalationLevel, 0, 'no escalation');
      assert.deepEqual(
        twilioApi.messages.filter((x) => x.to === BEN),
        [],
        'Ben was never texted',
      );
      const ben = await textFrom(BEN, 'ACK');
      assert.match(ben.said ?? '', /No open incident has sent an SMS to this number/);

      const metrics = parseMetrics(await (await fetch(`${base}/metrics`)).text());
      const replies = (outcome: string) =>
        metrics.find((x) => x.name === 'lockout_gateway_sms_replies_total' && x.labels.outcome === outcome)
          ?.value;
      assert.equal(replies('forged'), 2);
      assert.equal(replies('not_understood'), 1);
      assert.equal(replies('accepted'), 2);
      assert.equal(replies('unknown_sender'), 1);
    });
  });

  it('is not served unless enabled', async () => {
    const plain = buildGateway({
      intake: { client: env.client, taskQueue: 'unused', runbooks: () => [] },
      webUiLink: (id) => id,
    });
    const response = await plain.inject({ method: 'POST', url: SMS_REPLY_PATH, payload: 'From=x' });
    assert.equal(response.statusCode, 404);
    await plain.close();
  });
});
