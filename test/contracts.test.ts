/**
 * The signatures other parties compute, checked against the real gateway from the documents'
 * words alone: nothing here imports the project's signers, so a change on both sides (signer and
 * verifier) that breaks the documented format fails here.
 *   Alerts: docs/alerts.md, `openssl dgst -sha256 -hmac` over "<timestamp>.<raw body>" (spawned).
 *   Signed links: docs/links.md, `v1.<claims>.<signature>`.
 *   SMS replies: Twilio's X-Twilio-Signature, HMAC-SHA1 with the auth token over the URL followed
 *   by each POST parameter name and value, sorted by name, base64 ("Webhooks security",
 *   twilio.com/docs/usage/security#validating-requests).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from '../gateway/server';
import { loadDirectory } from '../comms/directory';
import { startLocalTemporal } from './helpers/temporal';
import { SHIPPED_DIRECTORY } from './helpers/deps';
import { shippedRunbooks } from './helpers/incidents';

const runbooks = shippedRunbooks();

const ALERT_SECRET = 'contract-alert-secret-5e4d3c2b1a';
const LINK_SECRET = 'contract-link-secret-0123456789abcdefghij';
const TWILIO_AUTH_TOKEN = 'contract-twilio-auth-token-9f8e7d';
const PUBLIC_URL = 'https://lockout.example.com';

/** The docs' shell line: printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$SECRET". */
function opensslSignature(secret: string, timestamp: string, body: string): string {
  const run = spawnSync('openssl', ['dgst', '-sha256', '-hmac', secret], { input: `${timestamp}.${body}` });
  assert.equal(run.status, 0, run.stderr.toString());
  return run.stdout.toString().trim().replace(/^.* /, '');
}

/** Flip one byte (keeping it printable) at `index`. */
function oneByteChanged(text: string, index: number): string {
  const c = text.charCodeAt(index);
  return text.slice(0, index) + String.fromCharCode(c === 0x61 ? 0x62 : 0x61) + text.slice(index + 1);
}

describe('contracts: signatures as the docs and Twilio describe them, against the real gateway', function () {
  this.timeout(60_000);
  let env: TestWorkflowEnvironment;
  let app: FastifyInstance;
  let base: string;

  before(async () => {
    env = await startLocalTemporal();
    app = buildGateway({
      // No worker: an accepted alert starts its incident, which waits for one.
      intake: { client: env.client, taskQueue: 'contracts-no-worker', runbooks: () => runbooks },
      webUiLink: (id) => `http://ui.test/workflows/${id}`,
      sources: { generic: { mode: 'hmac', secrets: [ALERT_SECRET], replayWindowMs: 300_000 } },
      links: { client: env.client, secrets: [LINK_SECRET] },
      smsReplies: {
        client: env.client,
        authToken: TWILIO_AUTH_TOKEN,
        publicUrl: PUBLIC_URL,
        directory: () => loadDirectory(SHIPPED_DIRECTORY),
      },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app?.close();
    await env?.teardown();
  });

  describe('alert HMAC (docs/alerts.md)', () => {
    const send = (timestamp: string, signature: string, body: string) =>
      fetch(`${base}/alerts/generic`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-lockout-timestamp': timestamp,
          'x-lockout-signature': `sha256=${signature}`,
        },
        body,
      });

    it('accepts a body signed with openssl as the docs show, and refuses it with one byte changed', async () => {
      const body = JSON.stringify({ title: 'Salesforce API certificate chain invalid (contract)' });
      const ts = String(Math.floor(Date.now() / 1000));
      const signature = opensslSignature(ALERT_SECRET, ts, body);
      assert.match(signature, /^[0-9a-f]{64}$/);

      const changedBody = oneByteChanged(body, body.indexOf('invalid'));
      const refused = await send(ts, signature, changedBody);
      assert.equal(refused.status, 401, 'the body changed after signing');
      assert.equal((await send(String(Number(ts) + 1), signature, body)).status, 401, 'another timestamp');
      assert.equal(
        (await send(ts, opensslSignature(`${ALERT_SECRET}x`, ts, body), body)).status,
        401,
        'another secret',
      );

      const accepted = await send(ts, signature, body);
      assert.ok(accepted.status < 300, `expected a 2xx, got ${accepted.status}: ${await accepted.text()}`);
    });
  });

  describe('signed links (docs/links.md)', () => {
    /** `v1.<claims>.<signature>`: base64url JSON claims, HMAC-SHA256 over `v1.<claims>`, base64url. */
    function token(claims: Record<string, unknown>, secret = LINK_SECRET): string {
      const body = `v1.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
    }
    const claims = {
      k: 'ack',
      i: 'lockout-contract-no-such-incident',
      s: 'notify-ops',
      p: 'ana',
      e: Math.floor(Date.now() / 1000) + 3600,
      n: 'contract-nonce-0001',
      r: Date.parse('2026-11-26T02:14:00.000Z').toString(36),
    };
    const open = (t: string) => fetch(`${base}/ack/${t}`);

    it('takes a token built from the docs as genuine, and refuses one byte changed as forged', async () => {
      // Genuine: past the signature to the incident, which does not exist (not 403 "invalid signature").
      const genuine = await open(token(claims));
      const page = await genuine.text();
      assert.notEqual(genuine.status, 403, page);
      assert.doesNotMatch(page, /invalid signature|not signed by this installation/);
      assert.equal(genuine.status, 404, page);

      const good = token(claims);
      const [version, encoded, signature] = good.split('.') as [string, string, string];
      const alteredClaims = `${version}.${oneByteChanged(encoded, 5)}.${signature}`;
      const alteredSignature = `${version}.${encoded}.${oneByteChanged(signature, 3)}`;
      for (const forged of [alteredSignature, token(claims, `${LINK_SECRET}x`)]) {
        const response = await open(forged);
        assert.equal(response.status, 403, forged);
        assert.match(await response.text(), /invalid signature/);
      }
      // A changed claims byte is either refused as forged or as not a link at all, never accepted.
      assert.ok([400, 403].includes((await open(alteredClaims)).status));
    });

    it('refuses a genuine token past its expiry (e, Unix seconds) with 410', async () => {
      const response = await open(token({ ...claims, e: Math.floor(Date.now() / 1000) - 1 }));
      assert.equal(response.status, 410);
    });
  });

  describe("Twilio's request signature on SMS replies", () => {
    /** Twilio's algorithm, by hand: URL + name + value for each parameter sorted by name. */
    function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
      const data = Object.keys(params)
        .sort()
        .reduce((acc, name) => acc + name + params[name], url);
      return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
    }
    const form = {
      MessageSid: `SM${'2'.repeat(32)}`,
      AccountSid: `AC${'3'.repeat(32)}`,
      From: '+15555550199',
      To: '+15555550100',
      Body: 'HELP',
      NumMedia: '0',
    };
    const post = (signature: string, params: Record<string, string>) =>
      fetch(`${base}/twilio/sms`, {
        method: 'POST',
        headers: { 'x-twilio-signature': signature },
        body: new URLSearchParams(params),
      });

    it('accepts a reply signed per Twilio, and refuses it with one byte changed', async () => {
      const signature = twilioSignature(TWILIO_AUTH_TOKEN, `${PUBLIC_URL}/twilio/sms`, form);
      const accepted = await post(signature, form);
      assert.equal(accepted.status, 200, await accepted.text());

      const changed = await post(signature, { ...form, Body: 'HELQ' });
      assert.equal(changed.status, 403);
      const otherUrl = twilioSignature(TWILIO_AUTH_TOKEN, `${PUBLIC_URL}/twilio/sms/`, form);
      assert.equal((await post(otherUrl, form)).status, 403, 'signed for another URL');
      const otherToken = twilioSignature(`${TWILIO_AUTH_TOKEN}x`, `${PUBLIC_URL}/twilio/sms`, form);
      assert.equal((await post(otherToken, form)).status, 403, 'signed with another auth token');
    });
  });
});
