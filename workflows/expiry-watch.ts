/**
 * The expiry watch, one run per tick of its Temporal Schedule: the loop of domain/expiry-watch.ts
 * with each effect an activity. A warning that could not be delivered fails the run, where
 * people look.
 */
import { ApplicationFailure, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { lostAlerts, runExpiryWatch, type ExpiryWatchReport } from '../domain/expiry-watch';

export type { ExpiryWatchReport, ExpiryWatchRow } from '../domain/expiry-watch';

const { planExpiryWatch } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 3 },
});
const { checkExpirySource } = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  retry: { maximumAttempts: 3 },
});
const { raiseExpiryAlert } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 10, maximumInterval: '1m' },
});

function reason(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof ApplicationFailure ? cause.message : (err as Error).message;
}

export async function expiryWatch(): Promise<ExpiryWatchReport> {
  const plan = await planExpiryWatch();
  const report = await runExpiryWatch({
    sources: plan.sources,
    thresholds: plan.thresholds,
    check: checkExpirySource,
    raise: raiseExpiryAlert,
    now: () => new Date(),
    reason,
  });
  const { at, rows } = report;
  log.info('expiry watch done', { checked: rows.length, alerts: rows.filter((r) => r.incident).length });
  const lost = lostAlerts(report);
  if (lost.length)
    throw ApplicationFailure.nonRetryable(
      `expiry watch could not open ${lost.length} incident(s): ${lost.map((r) => r.subject).join(', ')}`,
      'WatchAlertsLost',
      { at, rows },
    );
  return report;
}
