/**
 * A runbook `activity` step: a diagnostic or remediation from the activity catalog, with its
 * arguments filled from incident facts, on the data's regional task queue when it touches
 * customer data.
 */
import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { RunbookActivity } from '../activities/runbook-activity';
import { durationMs } from '../domain/duration';
import { interpolate } from '../domain/facts';
import type { StepResult } from '../domain/incident';
import { taskQueueForRegion } from '../domain/regions';
import type { ActivityStep } from '../domain/runbook';
import type { IncidentState } from './incident-state';

export async function runActivity(incident: IncidentState, step: ActivityStep): Promise<StepResult> {
  const taskQueue = step.regional
    ? taskQueueForRegion(workflowInfo().taskQueue, incident.facts.region)
    : undefined;
  const activities = proxyActivities<Record<string, RunbookActivity>>({
    startToCloseTimeout: '5m',
    // Workers heartbeat every activity (activities/heartbeat.ts): a dead one is noticed in 30 s.
    heartbeatTimeout: '30s',
    scheduleToCloseTimeout: durationMs(step.timeout),
    retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '2m' },
    ...(taskQueue ? { taskQueue } : {}),
  });
  const args = interpolate(step.args, incident.facts, incident.id) as Record<string, unknown>;
  return activities[step.activity]!.executeWithOptions(
    { summary: `${step.id}: ${step.title ?? step.activity}${taskQueue ? ` (on ${taskQueue})` : ''}` },
    [{ incidentId: incident.id, step: step.id, args, facts: incident.facts, instance: incident.detectedAt }],
  );
}

export function failureMessage(err: unknown): string {
  let e = err as { cause?: unknown; message?: string };
  while (e.cause && !(e instanceof ApplicationFailure)) e = e.cause as typeof e;
  return e.message ?? String(err);
}
