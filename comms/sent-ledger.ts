/**
 * Messages a provider accepted, by idempotency key. Claimed before every send, so a retry of
 * the same step (after a lost completion, a worker crash, a timeout after acceptance) returns
 * the first acceptance instead of telling someone twice, and two workers never both send it.
 *
 * Two implementations: `fileLedger` (one small file per key under the data directory: one host)
 * and the shared store's `sent_messages` table (several workers: app/shared-state.ts).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SentEntry {
  messageId: string;
  detail: string;
  at: string;
}

/** Who sends: one activity execution and its attempt (a later attempt may take over an earlier one's claim). */
export interface SendHolder {
  holder: string;
  attempt: number;
  /** How long the claim holds if its holder dies without a word. */
  leaseMs: number;
}

export type SendClaim =
  | { kind: 'claimed' }
  | { kind: 'accepted'; sent: SentEntry }
  /** Another execution is sending this message right now. */
  | { kind: 'busy'; holder: string; msLeft: number };

export interface SentLedger {
  readonly describe: string;
  get(key: string): Promise<SentEntry | undefined>;
  /** May `who` send the message of `key` now? */
  claim(key: string, who: SendHolder): Promise<SendClaim>;
  /** The provider accepted it: recorded for good. */
  put(key: string, entry: Omit<SentEntry, 'at'>): Promise<SentEntry>;
}

/** One host: a file per key. Claims are not shared (the activity runs on one worker at a time). */
export function fileLedger(dir: string): SentLedger {
  const fileOf = (key: string) => {
    if (!/^[a-f0-9]{16,64}$/.test(key)) throw new Error(`idempotency key "${key}" is not a hex digest`);
    return join(dir, `${key}.json`);
  };
  const get = async (key: string): Promise<SentEntry | undefined> => {
    try {
      return JSON.parse(readFileSync(fileOf(key), 'utf8')) as SentEntry;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  };
  return {
    describe: dir,
    get,
    async claim(key) {
      const sent = await get(key);
      return sent ? { kind: 'accepted', sent } : { kind: 'claimed' };
    },
    async put(key, accepted) {
      mkdirSync(dir, { recursive: true });
      const entry = { ...accepted, at: new Date().toISOString() };
      const file = fileOf(key);
      writeFileSync(`${file}.tmp`, JSON.stringify(entry));
      renameSync(`${file}.tmp`, file);
      return entry;
    },
  };
}
