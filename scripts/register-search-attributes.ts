/**
 * `npm run temporal:setup`: registers the custom search attributes (LockoutPattern, …) on the
 * configured namespace. Idempotent. `npm start` does this by itself for its embedded server;
 * docker-compose runs it once as the `setup` service. (On Temporal Cloud, add them with tcld.)
 */
import { Command } from 'commander';
import { loadConfig } from '../config/env';
import { loadWatchConfig } from '../expiry/watch-config';
import { ensureExpiryWatchSchedule, EXPIRY_WATCH_SCHEDULE_ID } from '../client/expiry-watch-schedule';
import { ALL_SEARCH_ATTRIBUTES } from '../domain/search-attributes';
import { connectClient } from '../client/connection';
import { registerSearchAttributes } from '../temporal/register-search-attributes';

async function main(): Promise<void> {
  const opts = new Command('temporal:setup')
    .description(
      'Register the custom search attributes on TEMPORAL_NAMESPACE at TEMPORAL_ADDRESS and create or\n' +
        `update the expiry watch's Temporal Schedule "${EXPIRY_WATCH_SCHEDULE_ID}" (idempotent)`,
    )
    .option('--wait <seconds>', 'keep retrying while the server starts up', '0')
    .option('--json', 'print what was added as JSON')
    .parse()
    .opts<{ wait: string; json?: boolean }>();
  const config = loadConfig();
  const watch = loadWatchConfig(config.continuity.watchFile);
  const deadline = Date.now() + Number(opts.wait) * 1000;
  for (;;) {
    try {
      const client = await connectClient(config);
      const added = await registerSearchAttributes(client.connection, config.temporal.namespace);
      const schedule = await ensureExpiryWatchSchedule(client, {
        taskQueue: config.temporal.taskQueue,
        every: watch.every,
      });
      await client.connection.close();
      if (opts.json) console.log(JSON.stringify({ namespace: config.temporal.namespace, added, schedule }));
      else {
        console.log(
          added.length
            ? `registered on "${config.temporal.namespace}": ${added.join(', ')}`
            : `all ${ALL_SEARCH_ATTRIBUTES.length} search attributes already registered on "${config.temporal.namespace}"`,
        );
        console.log(`expiry watch schedule "${EXPIRY_WATCH_SCHEDULE_ID}" ${schedule}: every ${watch.every}`);
      }
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

main().catch((err: Error) => {
  console.error(`temporal:setup: ${err.message}`);
  process.exit(1);
});
