/** The store as configured: PostgreSQL when a URL is given, else embedded; migrated, ready. */
import { mkdirSync } from 'node:fs';
import type { StoreLocation } from '../config/env';
import type { Database } from './database';
import { embeddedDatabase } from './embedded';
import { migrate } from './migrations';
import { postgresDatabase } from './postgres';

export async function openStore(
  where: StoreLocation,
  onIdleError?: (err: Error) => void,
): Promise<{ db: Database; applied: number[] }> {
  if (where.kind === 'embedded' && where.dir) mkdirSync(where.dir, { recursive: true });
  const db =
    where.kind === 'postgresql'
      ? postgresDatabase({ url: where.url, onIdleError })
      : await embeddedDatabase(where.dir);
  try {
    return { db, applied: await migrate(db) };
  } catch (err) {
    await db.close().catch(() => undefined);
    throw new Error(`${db.describe}: could not prepare the shared store: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
