/**
 * Sessions and sign-in limits across gateway replicas: two real gateways (A and B) sharing one
 * real PostgreSQL server, each with its own connection pool, as two replicas would. Temporal is
 * not needed for signing in and out, so the gateways' client points at nothing.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { sign } from '@fastify/cookie';
import { Connection } from '@temporalio/client';
import { createClient } from '../temporal/encrypted';
import { TEST_KEYS } from './helpers/codec-keys';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { hashToken } from '../links/responders-file';
import { buildGateway } from '../gateway/server';
import type { LoginLimits } from '../gateway/login-limits';
import { createLogger } from '../lib/logger';
import type { Database } from '../store/database';
import { openStore } from '../store/open';
import { postgresDatabase } from '../store/postgres';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';

const BEN_TOKEN = 'lrt_ben-shared-session-token-4c1d9e';
const SECRET = 'shared-sessions-test-secret-0123456789abcdef';
const RESPONDERS = new Map([[hashToken(BEN_TOKEN), 'ben']]);

interface Replica {
  base: string;
  logs: string[];
}

describe('sessions and sign-in limits shared by gateway replicas (real PostgreSQL)', function () {
  this.timeout(120_000);
  let pg: TestPostgres;
  const stores: Database[] = [];
  const gateways: FastifyInstance[] = [];
  const nowhere = createClient({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }, TEST_KEYS);

  async function replica(store: Database, loginLimits: LoginLimits): Promise<Replica> {
    const logs: string[] = [];
    const app = buildGateway({
      intake: { client: nowhere, taskQueue: 'unused', runbooks: () => [] },
      webUiLink: (id) => `http://ui.test/${id}`,
      logger: createLogger('info', 'gateway', { write: (line: string) => void logs.push(line) }),
      statusPage: {
        client: nowhere,
        webUiLink: (id) => `http://ui.test/${id}`,
        sessionSecret: SECRET,
        health: async () => [],
        auth: {
          auth: { mode: 'tokens', responders: () => RESPONDERS, store },
          sessionTtlMs: 3_600_000,
          secureCookies: false,
        },
        loginLimits,
      },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    gateways.push(app);
    return { base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, logs };
  }

  const urls = new Map<Database, string>();
  async function database(name: string): Promise<Database> {
    const url = await pg.createDatabase(name);
    const { db } = await openStore({ kind: 'postgresql', url });
    stores.push(db);
    urls.set(db, url);
    return db;
  }

  /** A second pool on the same database: another replica's connections. */
  async function sameDatabase(db: Database): Promise<Database> {
    const { db: other } = await openStore({ kind: 'postgresql', url: urls.get(db)! });
    stores.push(other);
    return other;
  }

  /** The sign-in form's CSRF token and cookie, as a browser would get them. */
  async function form(base: string): Promise<{ csrf: string; cookie: string }> {
    const page = await fetch(`${base}/login`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
    assert.ok(csrf);
    return {
      csrf,
      cookie: page.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; '),
    };
  }

  async function login(base: string, token: string) {
    const { csrf, cookie } = await form(base);
    const response = await fetch(`${base}/login`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, token }),
      redirect: 'manual',
    });
    const session = response.headers
      .getSetCookie()
      .find((c) => c.startsWith('lockout_session='))
      ?.split(';')[0];
    return { response, session, text: await response.text() };
  }

  async function logout(base: string, session: string) {
    const { csrf, cookie } = await form(base);
    return fetch(`${base}/logout`, {
      method: 'POST',
      headers: { cookie: `${cookie}; ${session}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf }),
      redirect: 'manual',
    });
  }

  const statusPage = (base: string, session: string) =>
    fetch(`${base}/status`, { headers: { cookie: session } });

  before(async () => {
    pg = await startTestPostgres();
  });
  after(async () => {
    for (const app of gateways) await app.close();
    for (const db of stores) await db.close().catch(() => undefined);
    await nowhere.connection.close().catch(() => undefined);
    await pg?.stop();
  });

  describe('signing out', () => {
    let a: Replica;
    let b: Replica;
    before(async () => {
      const db = await database('sign_out');
      const roomy: LoginLimits = {
        perAddress: { max: 100, windowMs: 60_000 },
        perToken: { max: 100, windowMs: 60_000 },
      };
      [a, b] = await Promise.all([replica(db, roomy), replica(await sameDatabase(db), roomy)]);
    });

    it('on replica A ends the session on replica B too', async () => {
      const { response, session } = await login(a.base, BEN_TOKEN);
      assert.equal(response.status, 303);
      assert.ok(session);
      assert.equal((await statusPage(b.base, session)).status, 200, 'the session works on B');

      assert.equal((await logout(a.base, session)).status, 303);
      for (const base of [a.base, b.base]) {
        const refused = await statusPage(base, session);
        assert.equal(refused.status, 401);
        assert.match(await refused.text(), /you signed out of this session: sign in again/);
        const data = await fetch(`${base}/status/data`, { headers: { cookie: session } });
        assert.equal(data.status, 401);
        assert.match(((await data.json()) as { reason: string }).reason, /signed out of this session/);
      }
      // Signing in again is a new session, which works.
      const again = await login(b.base, BEN_TOKEN);
      assert.ok(again.session && again.session !== session);
      assert.equal((await statusPage(a.base, again.session)).status, 200);
    });

    it('refuses a cookie of the old form (no session id) even when its signature is good', async () => {
      const old = `lockout_session=${encodeURIComponent(sign(`ben.${Date.now() + 3_600_000}`, SECRET))}`;
      const response = await statusPage(a.base, old);
      assert.equal(response.status, 401);
    });

    it('keeps session ids and tokens out of the logs', () => {
      const all = [...a.logs, ...b.logs].join('\n');
      assert.ok(!all.includes(BEN_TOKEN));
      assert.ok(!/lockout_session|[A-Za-z0-9_-]{22}\.\d{13}/.test(all), 'no session cookie in the log');
    });
  });

  describe('a replica that cannot reach the store', () => {
    let a: Replica;
    let cut: Replica;
    before(async () => {
      const limits: LoginLimits = {
        perAddress: { max: 100, windowMs: 60_000 },
        perToken: { max: 100, windowMs: 60_000 },
      };
      a = await replica(await database('unreachable'), limits);
      const dead = postgresDatabase({
        url: 'postgresql://lockout@127.0.0.1:1/none',
        connectTimeoutMs: 1_000,
      });
      stores.push(dead);
      cut = await replica(dead, limits);
    });

    it('fails closed: 503 with a reason for a session, sign-in and sign-out; never 500, never in', async () => {
      const { session } = await login(a.base, BEN_TOKEN);
      assert.ok(session);
      const page = await statusPage(cut.base, session);
      assert.equal(page.status, 503);
      assert.match(
        await page.text(),
        /sessions cannot be checked right now \(the shared store is unreachable\)/,
      );
      const data = await fetch(`${cut.base}/status/data`, { headers: { cookie: session } });
      assert.equal(data.status, 503);
      const attempt = await login(cut.base, BEN_TOKEN);
      assert.equal(attempt.response.status, 503);
      assert.equal(attempt.session, undefined);
      assert.match(attempt.text, /Signing in is not possible right now/);
      const out = await logout(cut.base, session);
      assert.equal(out.status, 503);
      assert.match(await out.text(), /could not be recorded/);
    });
  });

  describe('sign-in attempts', () => {
    let a: Replica;
    let b: Replica;
    let db: Database;
    const WINDOW_MS = 2_000;
    before(async () => {
      db = await database('limits');
      const limits: LoginLimits = {
        perAddress: { max: 6, windowMs: WINDOW_MS },
        perToken: { max: 3, windowMs: WINDOW_MS },
      };
      [a, b] = await Promise.all([replica(db, limits), replica(await sameDatabase(db), limits)]);
    });
    beforeEach(() => db.exec('DELETE FROM rate_limits'));

    it('per address: counted over A and B together; then even the right token waits; after the window it works', async () => {
      for (let i = 0; i < 6; i++) {
        const wrong = await login(i % 2 ? b.base : a.base, `lrt_wrong-guess-${i}`);
        assert.equal(wrong.response.status, 401, `attempt ${i + 1}`);
      }
      const limited = await login(b.base, 'lrt_wrong-guess-7');
      assert.equal(limited.response.status, 429);
      const retryAfter = Number(limited.response.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= WINDOW_MS / 1000, String(retryAfter));
      assert.match(
        limited.text,
        /Too many sign-in attempts from your address\. Try again at \d\d:\d\d:\d\d UTC \(in \d+ seconds\)/,
      );

      const right = await login(a.base, BEN_TOKEN);
      assert.equal(right.response.status, 429, 'the right token does not get past the address limit');
      assert.equal(right.session, undefined);

      await new Promise((r) => setTimeout(r, retryAfter * 1000 + 200));
      const later = await login(b.base, BEN_TOKEN);
      assert.equal(later.response.status, 303, 'a new window');
      assert.ok(later.session);
    });

    it('per token: one token tried on A and B is limited before the address is', async () => {
      for (const base of [a.base, b.base, a.base])
        assert.equal((await login(base, 'lrt_same-wrong-token')).response.status, 401);
      const limited = await login(b.base, 'lrt_same-wrong-token');
      assert.equal(limited.response.status, 429);
      assert.ok(limited.response.headers.get('retry-after'));
      assert.match(limited.text, /Too many sign-in attempts with this token/);
      assert.equal((await login(a.base, BEN_TOKEN)).response.status, 303, 'another token still may');
    });

    it('logs the refusal without the token, and stores the token only hashed', async () => {
      for (let i = 0; i < 4; i++) await login(a.base, 'lrt_logged-token-never');
      const refusal = a.logs.filter((l) => l.includes('too many attempts')).at(-1);
      assert.ok(refusal, 'the refusal is logged');
      assert.match(refusal, /"limit":"token"/);
      assert.ok(!a.logs.join('\n').includes('lrt_logged-token-never'));
      const keys = await db.query<{ key: string }>('SELECT key FROM rate_limits');
      assert.ok(keys.length > 0 && keys.every((k) => !k.key.includes('lrt_')));
    });
  });

  describe('hostile input', () => {
    let a: Replica;
    before(async () => {
      const db = await database('hostile');
      const roomy = { max: 1_000_000, windowMs: 60_000 };
      a = await replica(db, { perAddress: roomy, perToken: roomy });
    });

    it('random and malformed tokens at /login never give a 500 or a session', async () => {
      const { csrf, cookie } = await form(a.base);
      const token = fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.string({ unit: 'binary', maxLength: 50 }),
        fc.constantFrom(
          '',
          ' ',
          ` ${BEN_TOKEN.slice(1)}`,
          BEN_TOKEN.toUpperCase(),
          BEN_TOKEN.slice(0, -1),
          'lrt_',
          '%00',
          'a'.repeat(5000),
        ),
      );
      await fc.assert(
        fc.asyncProperty(token, fc.boolean(), async (value, asJson) => {
          const response = await fetch(`${a.base}/login`, {
            method: 'POST',
            headers: {
              cookie,
              'content-type': asJson ? 'application/json' : 'application/x-www-form-urlencoded',
            },
            body: asJson
              ? JSON.stringify({ _csrf: csrf, token: value })
              : new URLSearchParams({ _csrf: csrf, token: value }),
            redirect: 'manual',
          });
          await response.text();
          assert.ok(
            [400, 401, 403, 413, 415].includes(response.status),
            `${response.status} for ${JSON.stringify(value)}`,
          );
          assert.ok(!response.headers.getSetCookie().some((c) => c.startsWith('lockout_session=')));
        }),
        { numRuns: 150 },
      );
    });

    it('random and tampered session cookies at /status/data and /status never give a 500 or a person', async () => {
      const { session } = await login(a.base, BEN_TOKEN);
      assert.ok(session);
      const real = decodeURIComponent(session.slice('lockout_session='.length));
      const headerSafe = fc.string({
        unit: fc.constantFrom(...'abcAZ09.-_=+/%:$!*~ben'.split('')),
        maxLength: 120,
      });
      const cookieValue = fc.oneof(
        headerSafe,
        fc.string({ maxLength: 100 }).map(encodeURIComponent),
        // The real cookie with a character changed, or parts swapped: the signature no longer fits.
        fc
          .tuple(fc.nat(real.length - 1), fc.constantFrom('a', '0', '.', '-'))
          .map(([i, c]) => real.slice(0, i) + c + real.slice(i + 1))
          .filter((v) => v !== real),
        fc.constantFrom(
          real.replace(/^ben/, 'ana'),
          `${real}x`,
          real.split('.').reverse().join('.'),
          `ben.${Date.now() + 9e9}`,
        ),
        // Well signed, but not a session we issued: wrong forms, a past expiry.
        fc
          .oneof(
            headerSafe,
            fc.constantFrom(
              `ben..${Date.now() + 9e6}`,
              `ben.${'A'.repeat(22)}.1`,
              `.${'A'.repeat(22)}.${Date.now() + 9e6}`,
            ),
          )
          .map((v) => sign(v, SECRET)),
      );
      await fc.assert(
        fc.asyncProperty(cookieValue, fc.constantFrom('/status', '/status/data'), async (value, path) => {
          const response = await fetch(`${a.base}${path}`, {
            headers: { cookie: `lockout_session=${value}` },
          });
          await response.text();
          assert.equal(response.status, 401, `${path} with ${value}`);
        }),
        { numRuns: 200 },
      );
      assert.equal((await statusPage(a.base, session)).status, 200, 'the real session still works');
    });
  });
});
