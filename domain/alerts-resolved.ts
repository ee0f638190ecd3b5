/**
 * Every alert of an incident has resolved at its source (the intake merges resolved alerts into
 * the incident). The incident records it, tells its owner, and does what its runbook's
 * `onAlertsResolved` says: propose resolution (default), resolve itself after a quiet period
 * unless an alert fires again, or only record it. Legal clocks are not touched: a resolved
 * incident keeps them running until met or missed. Pure; workflows/alerts-resolved.ts runs it.
 */
import { durationMs } from './duration';
import type { AlertsResolved, IncidentRecord } from './incident';
import { entryRecorded } from './incident-progress';
import type { Runbook } from './runbook';

/** Who is told: the incident's owner, as operations and the incident commander. */
export const ALERTS_RESOLVED_AUDIENCE = ['operations', 'incident-commander'];
export const ALERTS_RESOLVED_TEMPLATE = 'alerts-resolved';

export function allAlertsResolved(record: Pick<IncidentRecord, 'alerts'>): boolean {
  return record.alerts.length > 0 && record.alerts.every((a) => a.status === 'resolved');
}

/** The runbook's setting; runbooks (and incidents) from before it existed propose. */
export function alertsResolvedPolicy(runbook: Runbook): {
  policy: AlertsResolved['policy'];
  quietMs?: number;
} {
  const setting = runbook.onAlertsResolved ?? 'propose';
  if (typeof setting === 'string') return { policy: setting };
  return { policy: 'resolve-after', quietMs: durationMs(setting['resolve-after']) };
}

export function resolveCommand(incidentId: string): string {
  return `lockout resolve ${incidentId} --by <your-name> --reason "<why>"`;
}

/** Recorded once per time every alert is resolved; says what happens next. */
export function alertsResolvedRecorded(record: IncidentRecord, runbook: Runbook, at: string): IncidentRecord {
  const { policy, quietMs } = alertsResolvedPolicy(runbook);
  const resolvesAt = quietMs === undefined ? undefined : new Date(Date.parse(at) + quietMs).toISOString();
  const n = record.alerts.length;
  const all = n === 1 ? 'the alert has' : `all ${n} alerts have`;
  const next =
    policy === 'propose'
      ? `resolution proposed to ${ALERTS_RESOLVED_AUDIENCE.join(' and ')}`
      : policy === 'resolve-after'
        ? `resolves by itself at ${resolvesAt} unless an alert fires again`
        : 'the runbook says to do nothing more (onAlertsResolved: ignore)';
  return entryRecorded(
    { ...record, alertsResolved: { at, policy, ...(resolvesAt ? { resolvesAt } : {}) } },
    { at, kind: 'alert', summary: `${all} resolved at the source; ${next}` },
  );
}

/** An alert fired again after all had resolved: a pending automatic resolution is off. */
export function alertFiredAgain(record: IncidentRecord, at: string): IncidentRecord {
  const was = record.alertsResolved;
  return entryRecorded(
    { ...record, alertsResolved: undefined },
    {
      at,
      kind: 'alert',
      summary: `an alert fired again after all had resolved${was?.resolvesAt ? '; automatic resolution cancelled' : ''}`,
    },
  );
}

/** The reason an incident resolved by itself gives (the closing summary and the report print it). */
export function quietResolutionReason(runbook: Runbook): string {
  const setting = runbook.onAlertsResolved;
  const quiet = setting && typeof setting === 'object' ? setting['resolve-after'] : '';
  return `every alert resolved at its source and none fired again for ${quiet} (onAlertsResolved: resolve-after)`;
}
