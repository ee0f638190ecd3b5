/**
 * The sent ledger shared by every worker: messages a provider accepted, by idempotency key, and
 * the sends in progress. A send claims its key before it talks to the provider, so two workers
 * (or a retry racing a slow first attempt) never both send; the acceptance is recorded on the
 * same row, so any later attempt returns it instead of sending again.
 */
import type { Queryable } from './database';

export interface SentRow {
  messageId: string;
  detail: string;
  /** ISO time of the acceptance. */
  at: string;
}

/** Who is sending: one activity execution (`holder`) and its attempt number. */
export interface SendHolder {
  holder: string;
  attempt: number;
  /** How long the claim holds if its holder dies without a word (the activity's start-to-close timeout). */
  leaseMs: number;
}

export type SendClaim =
  | { kind: 'claimed' }
  | { kind: 'accepted'; sent: SentRow }
  /** Another execution is sending this message now; ask again after `msLeft`. */
  | { kind: 'busy'; holder: string; msLeft: number };

/**
 * Claims `key` for `who`. Granted when nothing was accepted yet and the current claim (if any)
 * has run out, or belongs to an earlier attempt of the same execution (Temporal starts attempt
 * N+1 only after attempt N failed or timed out).
 */
export async function claimSend(db: Queryable, key: string, who: SendHolder): Promise<SendClaim> {
  const granted = await db.query(
    `INSERT INTO sent_messages AS s (key, holder, claimed_until)
       VALUES ($1, $2, now() + make_interval(secs => $3::float8 / 1000))
     ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder, claimed_until = EXCLUDED.claimed_until
       WHERE s.accepted_at IS NULL
         AND (s.claimed_until IS NULL OR s.claimed_until <= now()
              OR (split_part(s.holder, '#', 1) = split_part(EXCLUDED.holder, '#', 1)
                  AND split_part(s.holder, '#', 2)::int <= split_part(EXCLUDED.holder, '#', 2)::int))
     RETURNING key`,
    [key, `${who.holder}#${who.attempt}`, who.leaseMs],
  );
  if (granted.length) return { kind: 'claimed' };
  const [row] = await db.query<{
    holder: string;
    message_id: string | null;
    detail: string | null;
    accepted_at: Date | null;
    ms_left: number;
  }>(
    `SELECT holder, message_id, detail, accepted_at,
            GREATEST(0, CEIL(EXTRACT(EPOCH FROM (claimed_until - now())) * 1000))::float8 AS ms_left
       FROM sent_messages WHERE key = $1`,
    [key],
  );
  if (row?.accepted_at)
    return {
      kind: 'accepted',
      sent: { messageId: row.message_id ?? '', detail: row.detail ?? '', at: row.accepted_at.toISOString() },
    };
  // The claim was released between our two statements: a fresh attempt gets it next time.
  return { kind: 'busy', holder: row?.holder.split('#')[0] ?? '', msLeft: row?.ms_left ?? 0 };
}

/** The provider accepted: recorded for good (with or without a claim before it). */
export async function recordAccepted(
  db: Queryable,
  key: string,
  sent: Omit<SentRow, 'at'>,
): Promise<SentRow> {
  const [row] = await db.query<{ message_id: string; detail: string; accepted_at: Date }>(
    `INSERT INTO sent_messages AS s (key, message_id, detail, accepted_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (key) DO UPDATE SET message_id = EXCLUDED.message_id, detail = EXCLUDED.detail,
       accepted_at = EXCLUDED.accepted_at, claimed_until = NULL
       WHERE s.accepted_at IS NULL
     RETURNING message_id, detail, accepted_at`,
    [key, sent.messageId, sent.detail],
  );
  // Already accepted (by a racing attempt the provider also took): the first acceptance stands.
  return row
    ? { messageId: row.message_id, detail: row.detail, at: row.accepted_at.toISOString() }
    : ((await lookupSent(db, key)) ?? { ...sent, at: new Date().toISOString() });
}

export async function lookupSent(db: Queryable, key: string): Promise<SentRow | undefined> {
  const [row] = await db.query<{ message_id: string; detail: string; accepted_at: Date }>(
    'SELECT message_id, detail, accepted_at FROM sent_messages WHERE key = $1 AND accepted_at IS NOT NULL',
    [key],
  );
  return row && { messageId: row.message_id, detail: row.detail, at: row.accepted_at.toISOString() };
}

/** A message of a channel without credentials, kept in the shared outbox (one row per key). */
export async function writeOutboxRow(
  db: Queryable,
  key: string,
  record: { channel: string; incidentId: string } & Record<string, unknown>,
): Promise<void> {
  await db.query(
    `INSERT INTO outbox (key, channel, incident_id, record) VALUES ($1, $2, $3, $4)
     ON CONFLICT (key) DO UPDATE SET record = EXCLUDED.record, written_at = now()`,
    [key, record.channel, record.incidentId, JSON.stringify(record)],
  );
}

/** The shared outbox, newest first, optionally of one incident or channel. */
export async function listOutboxRows(
  db: Queryable,
  filter: { incidentId?: string; channel?: string; limit: number },
): Promise<{ key: string; record: Record<string, unknown>; writtenAt: string }[]> {
  const rows = await db.query<{ key: string; record: string | Record<string, unknown>; written_at: Date }>(
    `SELECT key, record, written_at FROM outbox
     WHERE ($1::text IS NULL OR incident_id = $1) AND ($2::text IS NULL OR channel = $2)
     ORDER BY written_at DESC LIMIT $3`,
    [filter.incidentId ?? null, filter.channel ?? null, filter.limit],
  );
  return rows.map((r) => ({
    key: r.key,
    record: typeof r.record === 'string' ? (JSON.parse(r.record) as Record<string, unknown>) : r.record,
    writtenAt: new Date(r.written_at).toISOString(),
  }));
}
