/**
 * Signed-out sessions. A session cookie stays valid by its signature until it expires; a row
 * here, kept until that expiry, is what makes signing out hold on every replica.
 */
import type { Queryable } from './database';
import { sha256 } from './hash';

export async function revokeSession(db: Queryable, sessionId: string, expiresAt: Date): Promise<void> {
  await db.query(
    `INSERT INTO revoked_sessions (session_hash, expires_at) VALUES ($1, $2)
     ON CONFLICT (session_hash) DO NOTHING`,
    [sha256(sessionId), expiresAt],
  );
}

export async function isSessionRevoked(db: Queryable, sessionId: string): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM revoked_sessions WHERE session_hash = $1', [sha256(sessionId)]);
  return rows.length > 0;
}
