/**
 * One expiry watch run: ask every expiry source what it sees, judge each observation against the
 * thresholds at the watch's own time, and raise a warning, an escalation or a lockout where the
 * judgement says so. A source that fails is a row of the report; the others still run.
 *
 * The loop is written once and runs in two places: the Temporal workflow (`workflows/expiry-watch.ts`,
 * each effect an activity, time from the workflow clock) and `lockout watch --once` (effects
 * called directly). It only does what its ports do, so it is deterministic in a workflow.
 */
import type { Severity } from './alert';
import {
  decideWatchAction,
  type ExpiryObservation,
  type WatchDecision,
  type WatchLevel,
  type WatchThresholds,
} from './expiry';

export type WatchAlert = NonNullable<WatchDecision['alert']>;

/** What raising a watch alert did to the incident for its fingerprint. */
export interface RaisedAlert {
  incidentId: string;
  action: 'opened' | 'escalated' | 'already-open';
  severity: Severity;
}

export interface ExpiryWatchRow {
  source: string;
  subject: string;
  label: string;
  level: WatchLevel | 'source-failed';
  expiresAt?: string;
  msLeft?: number;
  problem?: string;
  incident?: RaisedAlert;
}

export interface ExpiryWatchReport {
  at: string;
  rows: ExpiryWatchRow[];
}

export interface ExpiryWatchPorts {
  sources: readonly string[];
  thresholds: WatchThresholds;
  check(source: string): Promise<ExpiryObservation[]>;
  /** Opens, joins or leaves the incident; absent for a dry run. `at` is the watch's own time. */
  raise?: (alert: WatchAlert, at: string) => Promise<RaisedAlert>;
  /** The watch's clock: workflow time in a workflow, the machine's clock outside. */
  now(): Date;
  /** The message to report for a failed check or raise. */
  reason(err: unknown): string;
}

export async function runExpiryWatch(ports: ExpiryWatchPorts): Promise<ExpiryWatchReport> {
  const rows: ExpiryWatchRow[] = [];
  const observed = await Promise.all(
    ports.sources.map(async (source) => {
      try {
        return await ports.check(source);
      } catch (err) {
        rows.push({
          source,
          subject: '*',
          label: `expiry source ${source}`,
          level: 'source-failed',
          problem: ports.reason(err),
        });
        return [];
      }
    }),
  );
  const at = ports.now().toISOString();
  for (const observation of observed.flat()) {
    const decision = decideWatchAction(observation, Date.parse(at), ports.thresholds);
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
    if (decision.alert && ports.raise) {
      try {
        row.incident = await ports.raise(decision.alert, at);
      } catch (err) {
        row.problem = `could not open the incident: ${ports.reason(err)}`;
      }
    }
    rows.push(row);
  }
  return { at, rows };
}

/** Rows whose alert could not be delivered: a run with any must not pass as a quiet one. */
export function lostAlerts(report: ExpiryWatchReport): ExpiryWatchRow[] {
  return report.rows.filter((r) => r.problem?.startsWith('could not open'));
}
