/**
 * The watch's way into incidents: the ordinary intake, with one fingerprint per watched thing.
 * An incident already running at the same or a higher severity is left alone, so an hourly
 * watch does not repeat itself; a higher severity joins it, which the engine treats as an
 * escalation.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Severity } from '../domain/alert';
import { isAtLeastAsSevere } from '../domain/expiry';
import type { RaisedAlert, WatchAlert } from '../domain/expiry-watch';
import * as sa from '../domain/search-attributes';
import { parseGenericAlert } from '../intake/alerts';
import { incidentIdFor } from './ids';
import { openOrJoinIncident, type IntakeOptions } from './open-incident';

export type { RaisedAlert, WatchAlert } from '../domain/expiry-watch';

/** Severity of the running incident for this id, or undefined when none runs. */
async function runningSeverity(client: Client, incidentId: string): Promise<Severity | undefined> {
  try {
    const description = await client.workflow.getHandle(incidentId).describe();
    if (description.status.name !== 'RUNNING') return undefined;
    const current = Severity.safeParse(description.typedSearchAttributes.get(sa.SEVERITY));
    // Running but unlabelled: assume the mildest, so only a real escalation is sent.
    return current.success ? current.data : 'sev3';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

export async function raiseWatchAlert(
  intake: IntakeOptions,
  alert: WatchAlert,
  receivedAt = new Date(),
): Promise<RaisedAlert> {
  const incidentId = incidentIdFor(alert.fingerprint);
  const current = await runningSeverity(intake.client, incidentId);
  if (current && isAtLeastAsSevere(current, alert.severity))
    return { incidentId, action: 'already-open', severity: current };
  await openOrJoinIncident(intake, parseGenericAlert(alert, receivedAt));
  return { incidentId, action: current ? 'escalated' : 'opened', severity: alert.severity };
}
