/** The shared store as configured (docs/storage.md): opened, migrated, described in the log. */
import type { Config } from '../config/env';
import type { Logger } from '../lib/logger';
import type { Database } from '../store/database';
import { openStore } from '../store/open';

export async function storeFromConfig(config: Config, logger: Logger): Promise<Database> {
  const { db, applied } = await openStore(config.store, (err) =>
    logger.warn({ err: err.message }, 'a shared store connection failed; it will reconnect'),
  );
  logger.info(
    { applied },
    `shared store: ${db.describe}${applied.length ? `, migrations ${applied.join(', ')} applied` : ''}`,
  );
  return db;
}
