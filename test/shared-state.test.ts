/**
 * The state several workers and gateways share (migration 002, docs/storage.md), against both
 * backends: a real PostgreSQL server, where every racer is its own connection pool (a replica),
 * and embedded PGlite, where racers share the one process. Then real processes racing on the
 * server: every message claimed, every signature counted exactly once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Database } from '../store/database';
import { openStore } from '../store/open';
import { claimSignature, releaseSignature } from '../store/alert-signatures';
import { claimSend, lookupSent, recordAccepted, writeOutboxRow } from '../store/sent-messages';
import { readJourneyModes, switchJourneyMode } from '../store/journey-modes';
import { slotsHeld } from '../store/salesforce-limits';
import { OrgConcurrencyExhausted, sharedOrgLimits } from '../salesforce/org-limits';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';

interface Backend {
  name: string;
  /** `n` handles on one fresh database: separate pools on the server, the same instance embedded. */
  open(n: number): Promise<Database[]>;
  stop(): Promise<void>;
}

let server: TestPostgres | undefined;
let databases = 0;
const opened: Database[] = [];

const postgres: Backend = {
  name: 'PostgreSQL server',
  async open(n) {
    server ??= await startTestPostgres();
    const url = await server.createDatabase(`shared_${++databases}`);
    const dbs = await Promise.all(
      Array.from({ length: n }, async () => (await openStore({ kind: 'postgresql', url })).db),
    );
    opened.push(...dbs);
    return dbs;
  },
  async stop() {
    await Promise.all(opened.splice(0).map((db) => db.close().catch(() => undefined)));
    await server?.stop();
    server = undefined;
  },
};

const embedded: Backend = {
  name: 'embedded PGlite',
  async open(n) {
    const { db } = await openStore({ kind: 'embedded' });
    opened.push(db);
    return Array.from({ length: n }, () => db);
  },
  async stop() {
    await Promise.all(opened.splice(0).map((db) => db.close().catch(() => undefined)));
  },
};

const pick = <T>(list: T[], i: number) => list[i % list.length]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const backend of [postgres, embedded]) {
  describe(`shared worker state: ${backend.name}`, function () {
    this.timeout(120_000);
    let replicas: Database[];
    before(async () => {
      replicas = await backend.open(3);
    });
    after(() => backend.stop());

    describe('sent ledger', () => {
      it('of 12 executions racing for one message, exactly one sends; later ones get its acceptance', async () => {
        const claims = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            claimSend(pick(replicas, i), 'k-race', { holder: `wf-${i}/run/1`, attempt: 1, leaseMs: 60_000 }),
          ),
        );
        assert.equal(claims.filter((c) => c.kind === 'claimed').length, 1, JSON.stringify(claims));
        assert.ok(claims.every((c) => c.kind !== 'accepted'));
        const winner = claims.findIndex((c) => c.kind === 'claimed');
        const busy = claims.find((c) => c.kind === 'busy');
        assert.ok(busy?.kind === 'busy' && busy.holder === `wf-${winner}/run/1` && busy.msLeft > 50_000);

        await recordAccepted(replicas[0]!, 'k-race', { messageId: '<m1@x>', detail: '250 OK' });
        const after = await claimSend(replicas[1]!, 'k-race', {
          holder: 'wf-99/run/1',
          attempt: 1,
          leaseMs: 1,
        });
        assert.equal(after.kind, 'accepted');
        assert.equal(after.kind === 'accepted' && after.sent.messageId, '<m1@x>');
        // A second acceptance (a racing provider call) does not overwrite the first.
        const again = await recordAccepted(replicas[2]!, 'k-race', { messageId: '<m2@x>', detail: 'late' });
        assert.equal(again.messageId, '<m1@x>');
        assert.equal((await lookupSent(replicas[1]!, 'k-race'))?.messageId, '<m1@x>');
      });

      it('a later attempt of the same execution takes over at once; a stranger only after the lease', async () => {
        const db = replicas[0]!;
        const first = { holder: 'wf/run/act', attempt: 1, leaseMs: 400 };
        assert.equal((await claimSend(db, 'k-lease', first)).kind, 'claimed');
        assert.equal((await claimSend(db, 'k-lease', first)).kind, 'claimed', 'the same attempt again');
        assert.equal(
          (await claimSend(db, 'k-lease', { holder: 'other/run/act', attempt: 1, leaseMs: 400 })).kind,
          'busy',
        );
        assert.equal((await claimSend(db, 'k-lease', { ...first, attempt: 2 })).kind, 'claimed');
        assert.equal((await claimSend(db, 'k-lease', first)).kind, 'busy', 'attempt 1 cannot take it back');
        await sleep(450); // past attempt 2's lease: its holder died without a word
        assert.equal(
          (await claimSend(db, 'k-lease', { holder: 'other/run/act', attempt: 1, leaseMs: 400 })).kind,
          'claimed',
        );
      });

      it('keeps the outbox in one table, a retry replacing its row', async () => {
        const db = replicas[1]!;
        await writeOutboxRow(db, 'k-out', { channel: 'sms', incidentId: 'inc-1', text: 'first' });
        await writeOutboxRow(db, 'k-out', { channel: 'sms', incidentId: 'inc-1', text: 'second' });
        const rows = await replicas[2]!.query<{ record: { text: string } }>(
          `SELECT record FROM outbox WHERE incident_id = 'inc-1'`,
        );
        assert.deepEqual(
          rows.map((r) => r.record.text),
          ['second'],
        );
      });
    });

    describe('replay guard', () => {
      it('counts a signed request once across replicas, until it is released or its window ends', async () => {
        const until = new Date(Date.now() + 60_000);
        const firsts = await Promise.all(
          Array.from({ length: 15 }, (_, i) => claimSignature(pick(replicas, i), 'sig-a', until)),
        );
        assert.equal(firsts.filter(Boolean).length, 1);
        await releaseSignature(replicas[2]!, 'sig-a');
        assert.equal(await claimSignature(replicas[0]!, 'sig-a', until), true, 'released: may be retried');
        assert.equal(await claimSignature(replicas[1]!, 'sig-b', new Date(Date.now() + 200)), true);
        assert.equal(await claimSignature(replicas[0]!, 'sig-b', until), false);
        await sleep(250);
        assert.equal(await claimSignature(replicas[2]!, 'sig-b', until), true, 'its window ended');
        const stored = await replicas[0]!.query<{ signature: string }>(
          'SELECT signature FROM alert_signatures',
        );
        assert.ok(
          stored.every((r) => !r.signature.startsWith('sig-')),
          'stored hashed',
        );
      });
    });

    describe('journey modes', () => {
      it('serialises concurrent switches: each applied once, the retried one a no-op', async () => {
        const at = new Date('2026-11-30T10:00:00Z');
        const steps = Array.from({ length: 8 }, (_, i) => ({
          journey: 'account-management' as const,
          mode: i % 2 ? ('fallback' as const) : ('normal' as const),
          incidentId: 'inc-j',
          step: `s${i}`,
        }));
        const outcomes = await Promise.all(
          [...steps, steps[7]!].map((change, i) => switchJourneyMode(pick(replicas, i), change, at)),
        );
        // Every switch saw the state the one before it left: the `from`s chain through the `to`s.
        const changed = outcomes.filter((o) => o.changed);
        assert.ok(changed.length === 8 || changed.length === 9, String(changed.length));
        const doc = await readJourneyModes(replicas[1]!);
        const last = doc.journeys['account-management'];
        assert.equal(outcomes.find((o) => o.state.step === last.step)?.to, last.mode);
        assert.equal(doc.journeys['checkout-validation'].mode, 'normal', 'untouched journeys stay normal');
        const retried = await switchJourneyMode(
          replicas[2]!,
          { journey: 'account-management', mode: last.mode, incidentId: 'inc-j', step: last.step! },
          at,
        );
        assert.equal(retried.changed, false);
      });
    });

    describe('Salesforce org limits', () => {
      it('never more than the org budget in flight across replicas, and every request served', async () => {
        const limits = replicas.map((db) => sharedOrgLimits(db, { maxConcurrent: 4 }));
        let inFlight = 0;
        let peak = 0;
        await Promise.all(
          Array.from({ length: 40 }, async (_, i) => {
            const release = await pick(limits, i).acquire('org-1');
            peak = Math.max(peak, ++inFlight);
            await sleep(10);
            inFlight--;
            await release();
          }),
        );
        assert.ok(peak <= 4, `peak ${peak} > 4`);
        assert.ok(peak >= 2, `the budget was used in parallel (peak ${peak})`);
        assert.equal(await slotsHeld(replicas[0]!, 'org-1'), 0, 'all released');
      });

      it('a slot of a killed worker frees itself after its lease; waiting too long fails retryably', async () => {
        // A lease long enough that a loaded machine cannot outlive it between two calls.
        const short = sharedOrgLimits(replicas[0]!, { maxConcurrent: 1, leaseMs: 3_000, maxWaitMs: 100 });
        await short.acquire('org-2'); // never released: its worker "died"
        await assert.rejects(short.acquire('org-2'), OrgConcurrencyExhausted);
        const patient = sharedOrgLimits(replicas[1]!, {
          maxConcurrent: 1,
          leaseMs: 3_000,
          maxWaitMs: 15_000,
        });
        const release = await patient.acquire('org-2');
        await release();
      });

      it('shares the newest API usage report; an older one does not overwrite it', async () => {
        const a = sharedOrgLimits(replicas[0]!);
        const b = sharedOrgLimits(replicas[2]!);
        await a.recordUsage('org-3', { used: 900, limit: 1000, at: '2026-11-30T10:00:05.000Z' });
        await b.recordUsage('org-3', { used: 100, limit: 1000, at: '2026-11-30T10:00:00.000Z' });
        assert.deepEqual(await b.usage('org-3'), { used: 900, limit: 1000, at: '2026-11-30T10:00:05.000Z' });
      });
    });
  });
}

describe('shared worker state: processes racing on one PostgreSQL server', function () {
  this.timeout(180_000);
  after(() => postgres.stop());

  it('three processes claim 40 messages and signatures: each exactly once', async () => {
    server ??= await startTestPostgres();
    const url = await server.createDatabase(`racers_${++databases}`);
    const keys = Array.from({ length: 40 }, (_, i) => `key-${String(i).padStart(2, '0')}`);
    const race = (racer: string) =>
      new Promise<{ sends: string[]; signatures: string[] }>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', join(__dirname, 'helpers', 'shared-state-racer.ts')],
          {
            env: { ...process.env, LOCKOUT_DATABASE_URL: url, RACER: racer, KEYS: keys.join(',') },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d));
        child.stderr.on('data', (d: Buffer) => (err += d));
        child.on('exit', (code) =>
          code === 0 ? resolve(JSON.parse(out) as never) : reject(new Error(`racer ${racer}: ${err}`)),
        );
      });
    const results = await Promise.all(['a', 'b', 'c'].map(race));
    assert.deepEqual(results.flatMap((r) => r.sends).sort(), keys, 'every message claimed by exactly one');
    assert.deepEqual(results.flatMap((r) => r.signatures).sort(), keys, 'every signature counted once');
    const { db } = await openStore({ kind: 'postgresql', url });
    opened.push(db);
    const accepted = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM sent_messages WHERE accepted_at IS NOT NULL',
    );
    assert.equal(accepted[0]!.n, 40);
    assert.equal(await slotsHeld(db, 'race-org'), 0);
  });
});
