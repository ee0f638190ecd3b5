/**
 * Messages a provider accepted, by idempotency key. Checked before every send, so a retry of
 * the same step (after a lost completion, a worker crash, a timeout after acceptance) returns
 * the first acceptance instead of telling someone twice. One small file per key: a worker
 * restart keeps it; several workers share it when the data directory is shared.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SentEntry {
  messageId: string;
  detail: string;
  at: string;
}

export interface SentLedger {
  get(key: string): SentEntry | undefined;
  put(key: string, entry: SentEntry): void;
}

export function fileLedger(dir: string): SentLedger {
  const fileOf = (key: string) => {
    if (!/^[a-f0-9]{16,64}$/.test(key)) throw new Error(`idempotency key "${key}" is not a hex digest`);
    return join(dir, `${key}.json`);
  };
  return {
    get(key) {
      try {
        return JSON.parse(readFileSync(fileOf(key), 'utf8')) as SentEntry;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    put(key, entry) {
      mkdirSync(dir, { recursive: true });
      const file = fileOf(key);
      writeFileSync(`${file}.tmp`, JSON.stringify(entry));
      renameSync(`${file}.tmp`, file);
    },
  };
}
