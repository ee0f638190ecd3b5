/**
 * The expiry watch, one run per tick of its Temporal Schedule: ask every expiry source what it
 * sees, judge each observation against the thresholds at the watch's own time, and open a
 * warning incident (≤ 72 h left), escalate it (≤ 24 h) or open a lockout (chain invalid).
 * A source that fails is reported in the result; the others still run.
 */
import { ApplicationFailure, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { decideWatchAction, type WatchLevel } from '../domain/expiry';

const { planExpiryWatch } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 3 },
});
const { checkExpirySource } = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  retry: { maximumAttempts: 3 },
});
const { raiseExpiryAlert } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 10, maximumInterval: '1m' },
});

export interface ExpiryWatchRow {
  source: string;
  subject: string;
  label: string;
  level: WatchLevel | 'source-failed';
  expiresAt?: string;
  msLeft?: number;
  problem?: string;
  incident?: { incidentId: string; action: 'opened' | 'escalated' | 'already-open'; severity: string };
}

export interface ExpiryWatchReport {
  at: string;
  rows: ExpiryWatchRow[];
}

function reason(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof ApplicationFailure ? cause.message : (err as Error).message;
}

export async function expiryWatch(): Promise<ExpiryWatchReport> {
  const plan = await planExpiryWatch();
  const rows: ExpiryWatchRow[] = [];
  const observed = await Promise.all(
    plan.sources.map(async (source) => {
      try {
        return await checkExpirySource(source);
      } catch (err) {
        rows.push({
          source,
          subject: '*',
          label: `expiry source ${source}`,
          level: 'source-failed',
          problem: reason(err),
        });
        return [];
      }
    }),
  );
  const at = new Date().toISOString();
  for (const observation of observed.flat()) {
    const decision = decideWatchAction(observation, Date.parse(at), plan.thresholds);
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
    if (decision.alert) {
      try {
        row.incident = await raiseExpiryAlert(decision.alert, at);
      } catch (err) {
        row.problem = `could not open the incident: ${reason(err)}`;
      }
    }
    rows.push(row);
  }
  log.info('expiry watch done', { checked: rows.length, alerts: rows.filter((r) => r.incident).length });
  const lost = rows.filter((r) => r.problem?.startsWith('could not open'));
  // A warning that could not be delivered must not pass as a quiet run: fail where people look.
  if (lost.length)
    throw ApplicationFailure.nonRetryable(
      `expiry watch could not open ${lost.length} incident(s): ${lost.map((r) => r.subject).join(', ')}`,
      'WatchAlertsLost',
      { at, rows },
    );
  return { at, rows };
}
