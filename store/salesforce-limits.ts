/**
 * Salesforce's org-wide limits, kept where every worker sees them: the daily API usage as
 * Salesforce last reported it, and the org's concurrent-request slots. A request takes a free
 * slot (one of `max` rows per org) or waits; a slot whose holder was killed runs out after its
 * lease. One statement takes a slot, and of two workers after the same slot only one gets it.
 */
import type { Queryable } from './database';

/** Takes a free slot for `holder`; its number, or undefined when all `max` are held. */
export async function takeSlot(
  db: Queryable,
  org: string,
  holder: string,
  max: number,
  leaseMs: number,
): Promise<number | undefined> {
  const rows = await db.query<{ slot: number }>(
    `INSERT INTO salesforce_slots AS s (org, slot, holder, expires_at)
     SELECT $1, n, $2, now() + make_interval(secs => $4::float8 / 1000)
       FROM generate_series(1, $3::int) AS n
      WHERE NOT EXISTS (SELECT 1 FROM salesforce_slots x WHERE x.org = $1 AND x.slot = n AND x.expires_at > now())
      ORDER BY random()
      LIMIT 1
     ON CONFLICT (org, slot) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE s.expires_at <= now()
     RETURNING slot`,
    [org, holder, max, leaseMs],
  );
  return rows[0]?.slot;
}

export async function freeSlot(db: Queryable, org: string, slot: number, holder: string): Promise<void> {
  await db.query('DELETE FROM salesforce_slots WHERE org = $1 AND slot = $2 AND holder = $3', [
    org,
    slot,
    holder,
  ]);
}

/** Slots held now (for tests and the health check). */
export async function slotsHeld(db: Queryable, org: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM salesforce_slots WHERE org = $1 AND expires_at > now()',
    [org],
  );
  return row?.n ?? 0;
}

export interface StoredApiUsage {
  used: number;
  limit: number;
  at: string;
}

/** Keeps the newest report only: a slow worker's older figure does not overwrite a newer one. */
export async function recordApiUsage(db: Queryable, org: string, usage: StoredApiUsage): Promise<void> {
  await db.query(
    `INSERT INTO salesforce_api_usage AS u (org, used, lim, reported_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (org) DO UPDATE SET used = EXCLUDED.used, lim = EXCLUDED.lim, reported_at = EXCLUDED.reported_at
       WHERE u.reported_at <= EXCLUDED.reported_at`,
    [org, usage.used, usage.limit, usage.at],
  );
}

export async function readApiUsage(db: Queryable, org: string): Promise<StoredApiUsage | undefined> {
  const [row] = await db.query<{ used: number; lim: number; reported_at: Date }>(
    'SELECT used, lim, reported_at FROM salesforce_api_usage WHERE org = $1',
    [org],
  );
  return row && { used: row.used, limit: row.lim, at: row.reported_at.toISOString() };
}
