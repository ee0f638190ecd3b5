/** Rows whose time is over: revocations of expired sessions, closed rate-limit windows. */
import type { Queryable } from './database';

export interface Pruned {
  revokedSessions: number;
  rateLimits: number;
}

export async function pruneExpired(db: Queryable): Promise<Pruned> {
  const sessions = await db.query('DELETE FROM revoked_sessions WHERE expires_at <= now() RETURNING 1');
  const limits = await db.query('DELETE FROM rate_limits WHERE window_ends_at <= now() RETURNING 1');
  return { revokedSessions: sessions.length, rateLimits: limits.length };
}
