/**
 * Fixed-window counters shared by every replica: the first hit opens a window of `windowMs`,
 * later hits in it count up, the first hit after it opens a new one. One statement per hit, so
 * concurrent hits on several replicas are all counted. Times are the database's clock, which
 * every replica shares.
 */
import type { Queryable } from './database';

export interface WindowCount {
  /** Hits in the current window, this one included. */
  hits: number;
  /** Until the window ends. */
  msLeft: number;
}

const LEFT = `GREATEST(0, CEIL(EXTRACT(EPOCH FROM (window_ends_at - now())) * 1000))::float8 AS "msLeft"`;

export async function hit(db: Queryable, key: string, windowMs: number): Promise<WindowCount> {
  const [row] = await db.query<WindowCount>(
    `INSERT INTO rate_limits AS r (key, hits, window_ends_at)
       VALUES ($1, 1, now() + make_interval(secs => $2::float8 / 1000))
     ON CONFLICT (key) DO UPDATE SET
       hits = CASE WHEN r.window_ends_at <= now() THEN 1 ELSE r.hits + 1 END,
       window_ends_at = CASE WHEN r.window_ends_at <= now() THEN EXCLUDED.window_ends_at ELSE r.window_ends_at END
     RETURNING hits, ${LEFT}`,
    [key, windowMs],
  );
  return row!;
}

/** The current count without adding to it (0 when no window is open). */
export async function peek(db: Queryable, key: string): Promise<WindowCount> {
  const [row] = await db.query<WindowCount>(
    `SELECT hits, ${LEFT} FROM rate_limits WHERE key = $1 AND window_ends_at > now()`,
    [key],
  );
  return row ?? { hits: 0, msLeft: 0 };
}
