/**
 * Test-only workflow: runs one runbook activity by name the way the runbook engine will (through
 * proxyActivities, with retries), so tests see Temporal's retry behaviour on real activities.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { RunbookActivityInput } from '../../activities/catalog';
import type { StepResult } from '../../domain/incident';

type RunbookActivities = Record<string, (input: RunbookActivityInput) => Promise<StepResult>>;

const activities = proxyActivities<RunbookActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumAttempts: 5 },
});

export async function runRunbookActivity(name: string, input: RunbookActivityInput): Promise<StepResult> {
  const activity = activities[name];
  if (!activity) throw new Error(`no activity ${name}`);
  return activity(input);
}
