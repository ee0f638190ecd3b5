import { Command } from 'commander';
import { formatDuration, parseDuration } from '../../domain/duration';
import { syncBufferStatus, type SyncBufferStatus } from '../../client/crm-sync-status';
import { CliError, emit } from '../output';
import { withClient } from '../temporal';

export function formatSyncStatus(s: SyncBufferStatus, now = Date.now()): string {
  const lines = ['CRM sync buffer (storefront writes waiting for Salesforce)'];
  lines.push(
    s.pending
      ? `  waiting    ${s.pending} write(s) for ${s.records} record(s), oldest accepted ${s.oldestPendingAt} (${formatDuration(now - Date.parse(s.oldestPendingAt!))} ago)`
      : '  waiting    nothing: every accepted write has been applied',
  );
  if (s.drainRatePerSecond !== null) {
    lines.push(`  draining   ${s.drainRatePerSecond} write(s)/s (over ${s.sampleSeconds.toFixed(1)} s)`);
    if (s.pending && s.drainRatePerSecond > 0)
      lines.push(`  empty in   ~${formatDuration((s.pending / s.drainRatePerSecond) * 1000)} at this rate`);
  }
  lines.push(`  applied    ${s.applied} write(s) by the buffers now open`);
  if (s.rejected) {
    lines.push(
      `  REJECTED   ${s.rejected} write(s) refused by Salesforce in ${s.withRejections.length} record(s): ` +
        '`lockout sync status --json` lists them; query crmSyncStatus on each for the reasons',
    );
  }
  return lines.join('\n');
}

export function syncCommand(): Command {
  const sync = new Command('sync').description('The CRM sync buffer (storefront writes held for Salesforce)');
  sync
    .command('status')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .description('Buffer depth, oldest waiting write and drain rate, from Temporal visibility')
    .option('--sample <duration>', 'measure the drain rate over this long (0s: do not)', '5s')
    .option('--json', 'print the status as JSON')
    .action(async (opts: { sample: string; json?: boolean }) => {
      const sample = opts.sample === '0' || opts.sample === '0s' ? { ms: 0 } : parseDuration(opts.sample);
      if ('error' in sample) throw new CliError(`--sample: ${sample.error}`, 2);
      const status = await withClient((client) => syncBufferStatus(client, sample.ms));
      emit(opts.json, status, () => formatSyncStatus(status));
    });
  return sync;
}
