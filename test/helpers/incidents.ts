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

/** Waits (real time, up to a minute) until the resolved incident's post-incident review is open. */
export async function reviewOpen(client: Client, incidentId: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const status = await incidentStatus(client, incidentId);
    if (status.review?.state === 'open') return;
    if (attempt > 600) throw new Error(`${incidentId} never opened its review (phase ${status.phase})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
