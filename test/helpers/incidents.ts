/** Opening incidents in tests the way production does: the real intake, the shipped runbooks. */
import type { Client } from '@temporalio/client';
import { loadRunbooks } from '../../intake/runbooks-file';
import type { GenericAlert } from '../../domain/alert';
import type { IncidentStatus } from '../../domain/incident';
import type { Runbook } from '../../domain/runbook';
import { parseGenericAlert } from '../../intake/alerts';
import { openOrJoinIncident, type IntakeOptions, type IntakeResult } from '../../client/open-incident';
import { statusQuery } from '../../workflows/messages';
import { SHIPPED_RUNBOOKS } from './deps';

export function shippedRunbooks(): Runbook[] {
  return loadRunbooks(SHIPPED_RUNBOOKS).map((r) => r.runbook);
}

const opened = new Map<string, Set<string>>();

export async function sendAlert(
  client: Client,
  taskQueue: string,
  alert: GenericAlert,
  runbooks: Runbook[] = shippedRunbooks(),
  limits?: IntakeOptions['limits'],
): Promise<IntakeResult> {
  const result = await openOrJoinIncident(
    { client, taskQueue, runbooks: () => runbooks, limits },
    parseGenericAlert(alert),
  );
  opened.set(taskQueue, (opened.get(taskQueue) ?? new Set()).add(result.incidentId));
  return result;
}

/** Terminates every incident this process opened on a task queue that is still running. */
export async function terminateOpenIncidents(client: Client, taskQueue: string): Promise<void> {
  for (const id of opened.get(taskQueue) ?? []) {
    const handle = client.workflow.getHandle(id);
    const { status } = await handle.describe();
    if (status.name === 'RUNNING') await handle.terminate('test finished');
  }
  opened.delete(taskQueue);
}

export function incidentStatus(client: Client, incidentId: string): Promise<IncidentStatus> {
  return client.workflow.getHandle(incidentId).query(statusQuery);
}

/**
 * The incident's status once `ready` holds (real time, polled every 100 ms): what a provider has
 * already received, the workflow records only when the activity's result comes back.
 */
export async function statusWhen(
  client: Client,
  incidentId: string,
  ready: (status: IncidentStatus) => boolean,
  what: string,
  attempts = 600,
): Promise<IncidentStatus> {
  for (let attempt = 0; ; attempt++) {
    const status = await incidentStatus(client, incidentId);
    if (ready(status)) return status;
    if (attempt > attempts) throw new Error(`${incidentId}: ${what} never happened (phase ${status.phase})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits (real time, up to a minute) until the resolved incident's post-incident review is open. */
export async function reviewOpen(client: Client, incidentId: string): Promise<void> {
  await statusWhen(client, incidentId, (s) => s.review?.state === 'open', 'its review opening');
}
