/**
 * When every alert has resolved at its source (domain/alerts-resolved.ts): record it, tell the
 * owner, and propose resolution or resolve after the runbook's quiet period, which an alert firing
 * again cancels. The quiet period's end is in the incident's record, so a continue-as-new in
 * between keeps it. Incidents that saw all their alerts resolve before this existed replay as
 * they ran (patch below).
 */
import { condition } from '@temporalio/workflow';
import {
  ALERTS_RESOLVED_AUDIENCE,
  ALERTS_RESOLVED_TEMPLATE,
  alertFiredAgain,
  allAlertsResolved,
  alertsResolvedRecorded,
  quietResolutionReason,
} from '../domain/alerts-resolved';
import * as reduce from '../domain/incident-reducers';
import type { IncidentState } from './incident-state';
import { notifyInBackground } from './notify-background';

export const ALERTS_RESOLVED_PATCH = 'reclassify-alerts-resolved';

/** Who resolves an incident whose quiet period ran out (the timeline and report show it). */
const QUIET_RESOLVER = 'lockout (all alerts resolved)';

export async function watchAlertsResolved(incident: IncidentState): Promise<void> {
  const over = () => incident.finished || incident.resolved;
  for (;;) {
    await condition(() => over() || allAlertsResolved(incident));
    if (over()) return;
    if (!incident.patched(ALERTS_RESOLVED_PATCH)) return;
    if (!incident.alertsResolved) {
      incident.apply(alertsResolvedRecorded, incident.runbook, incident.now());
      incident.publish();
      if (incident.alertsResolved!.policy !== 'ignore') {
        // Each time all alerts resolve is its own message (the key names the time).
        void notifyInBackground(incident, {
          step: `alerts-resolved-${Date.parse(incident.alertsResolved!.at)}`,
          targets: ALERTS_RESOLVED_AUDIENCE,
          template: ALERTS_RESOLVED_TEMPLATE,
          channels: ['email'],
        });
      }
    }
    const firedAgain = () => over() || !allAlertsResolved(incident);
    const { resolvesAt } = incident.alertsResolved!;
    const woke = resolvesAt
      ? await condition(firedAgain, Math.max(1, Date.parse(resolvesAt) - Date.now()), {
          summary: `all alerts resolved: quiet until ${resolvesAt}`,
        })
      : (await condition(firedAgain), true);
    if (over()) return;
    if (woke) {
      incident.apply(alertFiredAgain, incident.now());
      incident.publish();
      continue;
    }
    resolveQuietly(incident);
    return;
  }
}

/** The quiet period passed with every alert still resolved: resolve as a responder would. */
function resolveQuietly(incident: IncidentState): void {
  const reduced = reduce.resolve(
    incident.snapshot(),
    { by: QUIET_RESOLVER, reason: quietResolutionReason(incident.runbook) },
    {
      runbook: incident.runbook,
      now: incident.now(),
      outsideWindow: () => undefined,
      twoPersonAtDecision: () => true,
    },
  );
  if (!reduced.ok) return;
  incident.commit(reduced.record);
  incident.changed();
  incident.publish();
}
