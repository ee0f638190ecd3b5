/**
 * The codec server in the gateway (gateway/routes/codec.ts) over real HTTP: the protocol the
 * Temporal Web UI and CLI speak, who may call it (bearer token or status page session), CORS for
 * the Web UI origin, the audit log of decodes, and hostile bodies.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { buildGateway } from '../gateway/server';
import { createLogger } from '../lib/logger';
import { hashToken } from '../links/responders-file';
import type { Database } from '../store/database';
import { openStore } from '../store/open';
import { createClient } from '../temporal/encrypted';
import { KeyRing } from '../temporal/key-ring';
import { EncryptionCodec } from '../temporal/payload-codec';
import { TEST_KEYS } from './helpers/codec-keys';

const TOKEN = 'codec-server-test-token-0123456789abcdef';
const UI = 'http://127.0.0.1:8233';
const SECRET = 'codec-server-test-session-secret-0123456789';
const BEN_TOKEN = 'lrt_ben-codec-server-token-7f3a';

const json = (text: string) => ({
  metadata: { encoding: Buffer.from('json/plain').toString('base64') },
  data: Buffer.from(JSON.stringify(text)).toString('base64'),
});
const dataOf = (p: { data: string }) => Buffer.from(p.data, 'base64').toString();

describe('codec server: POST /codec/encode and /codec/decode', function () {
  this.timeout(60_000);
  let app: FastifyInstance;
  let store: Database;
  let base: string;
  const logs: string[] = [];

  before(async () => {
    ({ db: store } = await openStore({ kind: 'embedded' }));
    const nowhere = createClient({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }, TEST_KEYS);
    const auth = {
      auth: { mode: 'tokens' as const, responders: () => new Map([[hashToken(BEN_TOKEN), 'ben']]), store },
      sessionTtlMs: 3_600_000,
      secureCookies: false,
    };
    app = buildGateway({
      intake: { client: nowhere, taskQueue: 'unused', runbooks: () => [] },
      webUiLink: (id) => `${UI}/${id}`,
      logger: createLogger('info', 'gateway', { write: (line: string) => void logs.push(line) }),
      statusPage: {
        client: nowhere,
        webUiLink: (id) => `${UI}/${id}`,
        sessionSecret: SECRET,
        health: async () => [],
        auth,
        loginLimits: { perAddress: { max: 100, windowMs: 60_000 }, perToken: { max: 100, windowMs: 60_000 } },
      },
      codec: {
        codec: new EncryptionCodec(TEST_KEYS),
        token: TOKEN,
        origins: [UI],
        session: { secret: SECRET, auth },
      },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app?.close();
    await store?.close();
  });

  const post = (action: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/codec/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
      body: JSON.stringify(body),
    });

  it('encodes and decodes Payloads as protobuf JSON, and logs who decoded which workflow, never the data', async () => {
    const encoded = await post('encode', { payloads: [json('ana.ortiz@example.com')] });
    assert.equal(encoded.status, 200);
    const { payloads } = (await encoded.json()) as {
      payloads: Array<{ metadata: Record<string, string>; data: string }>;
    };
    assert.equal(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString(), 'binary/encrypted');
    assert.ok(!dataOf(payloads[0]!).includes('ana.ortiz'));
    logs.splice(0);
    const decoded = await post(
      'decode',
      { payloads },
      { 'x-namespace': 'default', 'x-workflow-id': 'lockout-abc' },
    );
    assert.equal(decoded.status, 200);
    const back = (await decoded.json()) as { payloads: Array<{ data: string }> };
    assert.equal(dataOf(back.payloads[0]!), '"ana.ortiz@example.com"');
    const audit = logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.audit === 'codec-decode');
    assert.deepEqual(
      { who: audit?.who, namespace: audit?.namespace, workflow: audit?.workflow, payloads: audit?.payloads },
      { who: 'codec-token', namespace: 'default', workflow: 'lockout-abc', payloads: 1 },
    );
    assert.ok(!logs.join('\n').includes('ana.ortiz'), 'no payload in the logs');
  });

  it('returns a payload it holds no key for as it came, and decodes the rest of the batch', async () => {
    const elsewhere = new EncryptionCodec(
      new KeyRing([{ id: 'us-only', region: 'global', key: randomBytes(32) }]),
    );
    const [foreign] = await elsewhere.encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"x"') },
    ]);
    const foreignJson = {
      metadata: {
        encoding: Buffer.from(foreign!.metadata!.encoding!).toString('base64'),
        'encryption-key-id': Buffer.from('us-only').toString('base64'),
      },
      data: Buffer.from(foreign!.data!).toString('base64'),
    };
    const response = await post('decode', { payloads: [foreignJson, json('plain')] });
    assert.equal(response.status, 200);
    const { payloads } = (await response.json()) as { payloads: Array<{ data: string }> };
    assert.equal(payloads[0]!.data, foreignJson.data);
    assert.equal(dataOf(payloads[1]!), '"plain"');
  });

  it('refuses callers without the token or a status page session, and accepts a signed-in responder', async () => {
    for (const authorization of ['', 'Bearer wrong-token', `Basic ${TOKEN}`]) {
      const response = await post('decode', { payloads: [] }, { authorization });
      assert.equal(response.status, 401, authorization);
      assert.match(((await response.json()) as { error: string }).error, /sign in to the status page/);
    }
    const page = await fetch(`${base}/login`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
    const cookie = page.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const login = await fetch(`${base}/login`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf!, token: BEN_TOKEN }),
      redirect: 'manual',
    });
    const session = login.headers
      .getSetCookie()
      .find((c) => c.startsWith('lockout_session='))
      ?.split(';')[0];
    assert.ok(session, 'signed in');
    logs.splice(0);
    const response = await fetch(`${base}/codec/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: UI, cookie: session },
      body: JSON.stringify({ payloads: [json('x')] }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), UI);
    assert.equal(response.headers.get('access-control-allow-credentials'), 'true');
    const audit = logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.audit === 'codec-decode');
    assert.equal(audit?.who, 'ben');
  });

  it('answers the Web UI origin preflight, and refuses any other origin even with a valid token', async () => {
    const preflight = await fetch(`${base}/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), UI);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /x-namespace/);
    const evil = await fetch(`${base}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example' },
    });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const response = await post('decode', { payloads: [] }, { origin: 'http://evil.example' });
    assert.equal(response.status, 403);
  });

  it('answers any hostile body with 200 or a 400 naming the field, never a 500', async () => {
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({
        payloads: fc.array(fc.dictionary(fc.constantFrom('metadata', 'data', 'x'), fc.jsonValue()), {
          maxLength: 5,
        }),
      }),
      fc.record({
        payloads: fc.array(
          fc.record({
            metadata: fc.dictionary(fc.string({ maxLength: 20 }), fc.base64String({ maxLength: 40 })),
            data: fc.base64String({ maxLength: 200 }),
          }),
          { maxLength: 5 },
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('encode', 'decode'), async (value, action) => {
        const response = await post(action, value);
        assert.ok([200, 400].includes(response.status), `${response.status} for ${JSON.stringify(value)}`);
        if (response.status === 400) assert.match(((await response.json()) as { error: string }).error, /\S/);
      }),
      { numRuns: 150 },
    );
  });
});
