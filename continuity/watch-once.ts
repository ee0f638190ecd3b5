/**
 * One expiry watch run outside a workflow, for `lockout watch --once`: the same sources, the same
 * judgement (domain/expiry.ts) and the same way into incidents as workflows/expiry-watch.ts.
 */
import { decideWatchAction, type WatchThresholds } from '../domain/expiry';
import type { ExpiryWatchReport, ExpiryWatchRow } from '../workflows/expiry-watch';
import type { ExpirySource } from './expiry-sources';
import type { RaisedAlert, WatchAlert } from './watch-alerts';

export interface WatchOnceOptions {
  sources: readonly ExpirySource[];
  thresholds: WatchThresholds;
  /** Opens or joins the incident; absent for a dry run. */
  raise?: (alert: WatchAlert, at: Date) => Promise<RaisedAlert>;
  now?: () => Date;
}

export async function runWatchOnce(options: WatchOnceOptions): Promise<ExpiryWatchReport> {
  const rows: ExpiryWatchRow[] = [];
  const observed = await Promise.all(
    options.sources.map(async (source) => {
      try {
        return await source.check();
      } catch (err) {
        rows.push({
          source: source.name,
          subject: '*',
          label: `expiry source ${source.name}`,
          level: 'source-failed',
          problem: (err as Error).message,
        });
        return [];
      }
    }),
  );
  const at = options.now?.() ?? new Date();
  for (const observation of observed.flat()) {
    const decision = decideWatchAction(observation, at.getTime(), options.thresholds);
    const row: ExpiryWatchRow = {
      source: observation.source,
      subject: observation.subject,
      label: observation.label,
      level: decision.level,
      expiresAt: observation.expiresAt,
      msLeft: decision.msLeft,
      problem: observation.invalid
        ? `${observation.invalid.code}: ${observation.invalid.reason}`
        : observation.unchecked,
    };
    if (decision.alert && options.raise) {
      try {
        row.incident = await options.raise(decision.alert, at);
      } catch (err) {
        row.problem = `could not open the incident: ${(err as Error).message.split('\n')[0]}`;
      }
    }
    rows.push(row);
  }
  return { at: at.toISOString(), rows };
}
