/**
 * The gateways' shared replay guard: each HMAC-signed alert's signature, kept until its signed
 * timestamp leaves the replay window. One INSERT decides, so of two replicas given the same
 * signed request at the same moment exactly one counts it.
 */
import type { Queryable } from './database';
import { sha256 } from './hash';

/** True the first time `signature` is presented (anywhere); false for a replay. */
export async function claimSignature(db: Queryable, signature: string, expiresAt: Date): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO alert_signatures AS a (signature, expires_at) VALUES ($1, $2)
     ON CONFLICT (signature) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE a.expires_at <= now()
     RETURNING 1`,
    [sha256(signature), expiresAt],
  );
  return rows.length > 0;
}

/** The request failed before anything was recorded: the sender may retry the same signed copy. */
export async function releaseSignature(db: Queryable, signature: string): Promise<void> {
  await db.query('DELETE FROM alert_signatures WHERE signature = $1', [sha256(signature)]);
}
