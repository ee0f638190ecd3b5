/**
 * `lockout outbox`: the messages that reached nobody because their channel has no credentials
 * (SMS and calls without Twilio, webhooks without a URL, email through the local SMTP sink). They
 * are kept, never dropped: in the data directory, or in the shared store when
 * LOCKOUT_DATABASE_URL is set (docs/storage.md).
 */
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { outboxEntry, readOutboxDir, type OutboxEntry } from '../../comms/outbox';
import { loadConfig } from '../../config/env';
import { CHANNELS } from '../../domain/runbook';
import { openStore } from '../../store/open';
import { listOutboxRows } from '../../store/sent-messages';
import { CliError, emit, table } from '../output';
import { incidentId } from '../temporal';

interface OutboxOptions {
  incident?: string;
  channel?: string;
  limit: string;
  json?: boolean;
}

async function readEntries(filter: { incidentId?: string; channel?: string; limit: number }): Promise<{
  entries: OutboxEntry[];
  from: string;
}> {
  const config = loadConfig();
  if (config.store.kind === 'postgresql') {
    const { db } = await openStore(config.store);
    try {
      const rows = await listOutboxRows(db, filter);
      return {
        entries: rows.map((r) => outboxEntry(r.record, `outbox:${r.key}`, r.writtenAt)),
        from: 'the shared store (LOCKOUT_DATABASE_URL)',
      };
    } finally {
      await db.close();
    }
  }
  const dir = join(config.dataDir, 'outbox');
  const entries = (await readOutboxDir(dir)).filter(
    (e) =>
      (!filter.incidentId || e.incidentId === filter.incidentId) &&
      (!filter.channel || e.channel === filter.channel),
  );
  return { entries: entries.slice(0, filter.limit), from: dir };
}

export function outboxCommand(): Command {
  return new Command('outbox')
    .description(
      'List the messages kept in the outbox because their channel is not configured (newest first),\n' +
        'from the data directory or, with LOCKOUT_DATABASE_URL, the shared store',
    )
    .option('--incident <id>', 'only this incident (lockout-… ; the prefix may be omitted)')
    .addOption(new Option('--channel <channel>', 'only this channel').choices(CHANNELS))
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print the messages as JSON')
    .action(async (opts: OutboxOptions) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
        throw new CliError(`--limit ${opts.limit}: must be an integer from 1 to 10000`, 2);
      const { entries, from } = await readEntries({
        incidentId: opts.incident ? incidentId(opts.incident) : undefined,
        channel: opts.channel,
        limit,
      });
      emit(opts.json, entries, () =>
        entries.length
          ? table([
              ['WRITTEN', 'CHANNEL', 'INCIDENT', 'STEP', 'TO', 'SUBJECT'],
              ...entries.map((e) => [
                e.writtenAt.slice(0, 19),
                e.channel,
                e.incidentId,
                e.step,
                e.to,
                e.subject,
              ]),
            ]) + `\n(${entries.length} from ${from})`
          : `No messages in the outbox (${from}).`,
      );
    });
}
