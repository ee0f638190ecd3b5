import { Command } from 'commander';
import { raiseWatchAlert } from '../../client/watch-alerts';
import { watchThresholds } from '../../expiry/watch-config';
import { EXPIRY_WATCH_SCHEDULE_ID } from '../../client/expiry-watch-schedule';
import { loadConfig } from '../../config/env';
import { FileProblems } from '../../lib/yaml-file';
import { formatDuration } from '../../domain/duration';
import { runExpiryWatch, type ExpiryWatchReport, type ExpiryWatchPorts } from '../../domain/expiry-watch';
import type { ExpirySource } from '../../expiry/expiry-sources';
import { CliError, emit, table } from '../output';
import type { CliServices } from '../services';
import { withClient } from '../temporal';

interface WatchOptions {
  once?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** One run now, outside the schedule: the workflow's loop with each effect called directly. */
function runOnce(
  sources: readonly ExpirySource[],
  thresholds: ExpiryWatchPorts['thresholds'],
  raise?: ExpiryWatchPorts['raise'],
): Promise<ExpiryWatchReport> {
  return runExpiryWatch({
    sources: sources.map((s) => s.name),
    thresholds,
    check: (name) => sources.find((s) => s.name === name)!.check(),
    raise,
    now: () => new Date(),
    reason: (err) => (err as Error).message.split('\n')[0]!,
  });
}

function formatReport(report: ExpiryWatchReport): string {
  if (!report.rows.length)
    return 'Nothing to watch: add TLS endpoints to the watch configuration (LOCKOUT_WATCH_FILE).';
  return table([
    ['WHAT', 'STATUS', 'EXPIRES', 'LEFT', 'INCIDENT', 'NOTE'],
    ...report.rows.map((r) => [
      r.label,
      r.level,
      r.expiresAt?.replace('T', ' ').slice(0, 16) ?? '-',
      r.msLeft === undefined ? '-' : formatDuration(r.msLeft),
      r.incident ? `${r.incident.incidentId} (${r.incident.action}, ${r.incident.severity})` : '-',
      r.problem ?? '',
    ]),
  ]);
}

export function watchCommand(services: CliServices): Command {
  return new Command('watch')
    .description(
      "The expiry watch over the integration's TLS certificate chains (and credentials).\n" +
        '--once runs it now: under 72 h left opens a warning incident, under 24 h escalates it,\n' +
        'a chain that does not validate opens a lockout at once. Exit 1 if a check could not be done.\n' +
        `Without --once: the Temporal Schedule "${EXPIRY_WATCH_SCHEDULE_ID}" that runs it every hour.`,
    )
    .option('--once', 'run every check now and open incidents as the schedule would')
    .option('--dry-run', 'with --once: check and print, open no incident')
    .option('--json', 'print the result as JSON')
    .action(async (opts: WatchOptions) => {
      if (opts.dryRun && !opts.once) throw new CliError('--dry-run goes with --once', 2);
      const config = loadConfig();
      const deps = services.continuity(config);
      let thresholds;
      try {
        thresholds = watchThresholds(deps.watchConfig());
      } catch (err) {
        if (err instanceof FileProblems) throw new CliError(`watch configuration:\n${err.message}`, 2);
        throw err;
      }
      if (!opts.once) {
        const schedule = await withClient(async (client) => {
          const d = await client.schedule.getHandle(EXPIRY_WATCH_SCHEDULE_ID).describe();
          return {
            scheduleId: d.scheduleId,
            paused: d.state.paused,
            note: d.state.note,
            nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
            recentRuns: d.info.recentActions.map((a) => a.takenAt.toISOString()),
          };
        }).catch((err: Error) => {
          if (err.name === 'ScheduleNotFoundError')
            throw new CliError(
              `no schedule "${EXPIRY_WATCH_SCHEDULE_ID}": run \`npm run temporal:setup\` or \`npm start\``,
            );
          throw err;
        });
        emit(opts.json, schedule, () =>
          [
            `Schedule ${schedule.scheduleId}${schedule.paused ? ' (paused)' : ''}: ${schedule.note ?? ''}`,
            `  next runs:   ${schedule.nextRuns.join(', ') || '-'}`,
            `  recent runs: ${schedule.recentRuns.join(', ') || '-'}`,
            '  run it now:  lockout watch --once',
          ].join('\n'),
        );
        return;
      }
      const report = opts.dryRun
        ? await runOnce(deps.expirySources, thresholds)
        : await withClient((client) =>
            runOnce(deps.expirySources, thresholds, (alert, at) =>
              raiseWatchAlert(services.intake(config, client), alert, new Date(at)),
            ),
          );
      emit(opts.json, report, () => formatReport(report));
      const failed = report.rows.filter(
        (r) =>
          r.level === 'source-failed' || r.level === 'unchecked' || r.problem?.startsWith('could not open'),
      );
      if (failed.length) throw new CliError(`${failed.length} check(s) could not be completed; see NOTE`);
    });
}
