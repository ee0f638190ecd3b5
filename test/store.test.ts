/**
 * The shared store's contract, run unchanged against both backends: a real PostgreSQL server
 * (a throwaway cluster, test/helpers/postgres.ts) and embedded PGlite.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../store/database';
import { loadMigrations, migrate } from '../store/migrations';
import { openStore } from '../store/open';
import { pruneExpired } from '../store/prune';
import { hit, peek } from '../store/rate-limits';
import { isSessionRevoked, revokeSession } from '../store/revoked-sessions';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';

interface Backend {
  name: string;
  /** A fresh, empty database. */
  open(): Promise<Database>;
  /** A second connection to the same database (a second replica); undefined when one process only. */
  second?(db: Database): Promise<Database>;
  stop(): Promise<void>;
}

function postgresBackend(): Backend {
  let server: TestPostgres | undefined;
  let n = 0;
  const urls = new WeakMap<Database, string>();
  const opened: Database[] = [];
  const connect = async (url: string) => {
    const { db } = await openStore({ kind: 'postgresql', url });
    urls.set(db, url);
    opened.push(db);
    return db;
  };
  return {
    name: 'PostgreSQL server',
    async open() {
      server ??= await startTestPostgres();
      return connect(await server.createDatabase(`contract_${++n}`));
    },
    second: (db) => connect(urls.get(db)!),
    async stop() {
      for (const db of opened) await db.close().catch(() => undefined);
      await server?.stop();
    },
  };
}

function embeddedBackend(): Backend {
  const opened: Database[] = [];
  return {
    name: 'embedded PGlite',
    async open() {
      const { db } = await openStore({ kind: 'embedded' });
      opened.push(db);
      return db;
    },
    async stop() {
      for (const db of opened) await db.close().catch(() => undefined);
    },
  };
}

const tables = async (db: Database) =>
  (
    await db.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    )
  ).map((r) => r.name);

for (const backend of [postgresBackend(), embeddedBackend()]) {
  describe(`shared store contract: ${backend.name}`, function () {
    this.timeout(60_000);
    let db: Database;
    before(async () => {
      db = await backend.open();
    });
    after(() => backend.stop());

    describe('migrations', () => {
      it('are applied once: opening again applies nothing', async () => {
        assert.deepEqual(await tables(db), [
          'alert_signatures',
          'journey_modes',
          'outbox',
          'rate_limits',
          'revoked_sessions',
          'salesforce_api_usage',
          'salesforce_slots',
          'schema_migrations',
          'sent_messages',
        ]);
        assert.deepEqual(await migrate(db), []);
        const rows = await db.query<{ id: number; name: string }>(
          'SELECT id, name FROM schema_migrations ORDER BY id',
        );
        assert.deepEqual(rows, [
          { id: 1, name: 'sessions-and-login-limits' },
          { id: 2, name: 'shared-worker-state' },
        ]);
      });

      it('applied by several replicas at once run exactly once', async function () {
        const fresh = await backend.open();
        const more = backend.second ? await Promise.all([1, 2, 3].map(() => backend.second!(fresh))) : [];
        await fresh.exec(`DROP TABLE ${(await tables(fresh)).join(', ')}`);
        const applied = await Promise.all([fresh, ...more, fresh].map((d) => migrate(d)));
        assert.deepEqual(
          applied.flat(),
          [1, 2],
          'one replica applied the migrations; the others found them done',
        );
      });

      it('roll back entirely when one fails, naming nothing applied', async () => {
        const fresh = await backend.open();
        const dir = mkdtempSync(join(tmpdir(), 'lockout-migrations-'));
        // 1 and 2 are applied already (by opening): these two come after them.
        writeFileSync(join(dir, '001-applied.sql'), 'SELECT 1;');
        writeFileSync(join(dir, '002-applied.sql'), 'SELECT 1;');
        writeFileSync(join(dir, '003-good.sql'), 'CREATE TABLE first_one (x int);');
        writeFileSync(join(dir, '004-bad.sql'), 'CREATE TABLE second_one (x no_such_type);');
        await assert.rejects(migrate(fresh, loadMigrations(dir)), /no_such_type/);
        assert.ok(!(await tables(fresh)).includes('first_one'));
        assert.deepEqual(await fresh.query('SELECT id FROM schema_migrations WHERE id > 2'), []);
      });

      it('must be numbered 1, 2, 3 … without gaps', () => {
        const dir = mkdtempSync(join(tmpdir(), 'lockout-migrations-'));
        writeFileSync(join(dir, '001-a.sql'), 'SELECT 1;');
        writeFileSync(join(dir, '003-c.sql'), 'SELECT 1;');
        assert.throws(() => loadMigrations(dir), /migration 2 is missing/);
      });
    });

    describe('revoked sessions', () => {
      it('are revoked by id until their expiry, stored only hashed', async () => {
        const expires = new Date(Date.now() + 3_600_000);
        assert.equal(await isSessionRevoked(db, 'sid-one'), false);
        await revokeSession(db, 'sid-one', expires);
        await revokeSession(db, 'sid-one', expires); // twice: signing out again is fine
        assert.equal(await isSessionRevoked(db, 'sid-one'), true);
        assert.equal(await isSessionRevoked(db, 'sid-two'), false);
        const stored = await db.query<{ session_hash: string }>('SELECT session_hash FROM revoked_sessions');
        assert.ok(stored.every((r) => !r.session_hash.includes('sid-one')));
      });

      it('are pruned once expired, and only then', async () => {
        await revokeSession(db, 'sid-past', new Date(Date.now() - 1_000));
        await revokeSession(db, 'sid-future', new Date(Date.now() + 3_600_000));
        const pruned = await pruneExpired(db);
        assert.equal(pruned.revokedSessions, 1);
        assert.equal(await isSessionRevoked(db, 'sid-past'), false);
        assert.equal(await isSessionRevoked(db, 'sid-future'), true);
      });
    });

    describe('rate-limit counters', () => {
      it('count hits in a window, then open a new window after it', async () => {
        const first = await hit(db, 'test:a', 300);
        assert.equal(first.hits, 1);
        assert.ok(first.msLeft > 0 && first.msLeft <= 300, String(first.msLeft));
        assert.equal((await hit(db, 'test:a', 300)).hits, 2);
        assert.equal((await peek(db, 'test:a')).hits, 2, 'peeking does not count');
        assert.equal((await hit(db, 'test:b', 300)).hits, 1, 'keys are separate');
        await new Promise((r) => setTimeout(r, 350));
        assert.deepEqual(await peek(db, 'test:a'), { hits: 0, msLeft: 0 });
        assert.equal((await hit(db, 'test:a', 300)).hits, 1, 'a new window');
      });

      it('count every one of many concurrent hits', async () => {
        const replicas = backend.second ? [db, await backend.second(db), await backend.second(db)] : [db];
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) => hit(replicas[i % replicas.length]!, 'test:burst', 60_000)),
        );
        assert.deepEqual(
          results.map((r) => r.hits).sort((a, b) => a - b),
          Array.from({ length: 30 }, (_, i) => i + 1),
        );
      });

      it('closed windows are pruned', async () => {
        await hit(db, 'test:short', 1);
        await new Promise((r) => setTimeout(r, 20));
        assert.ok((await pruneExpired(db)).rateLimits >= 1);
        assert.deepEqual(await db.query(`SELECT key FROM rate_limits WHERE key = 'test:short'`), []);
      });
    });
  });
}
