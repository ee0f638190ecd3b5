/**
 * Test-only workflows, bundled by the tests that use them (never by the worker):
 * - runCatalogActivity runs one runbook activity as the engine will, through a real worker;
 * - regionalCustomerSync schedules data-touching activities on a region's task queue with the
 *   same routing helper the engine uses, so the region-isolation test can watch where they run.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { RunbookActivityInput } from '../../activities/catalog';
import type { StepResult } from '../../domain/incident';
import { regionalTaskQueue, type DataRegion } from '../../domain/regions';

type CatalogActivities = Record<string, (input: RunbookActivityInput) => Promise<StepResult>>;

export async function runCatalogActivity(activity: string, input: RunbookActivityInput): Promise<StepResult> {
  const activities = proxyActivities<CatalogActivities>({
    startToCloseTimeout: '1m',
    retry: { maximumAttempts: 3, initialInterval: '100ms' },
  });
  return activities[activity]!(input);
}

export interface CustomerSyncEvidence {
  customer: string;
  /** The region whose data the activity handled. */
  dataRegion: DataRegion;
  /** The region of the worker that ran it, and the task queue it took the task from. */
  workerRegion: DataRegion;
  taskQueue: string;
}

export interface ProbeActivities {
  syncCustomer(input: { customer: string; dataRegion: DataRegion }): Promise<CustomerSyncEvidence>;
}

export async function regionalCustomerSync(input: {
  baseTaskQueue: string;
  region: DataRegion;
  customers: string[];
  /** Test only: send the data to another region's queue, as a routing bug would. */
  misrouteTo?: DataRegion;
}): Promise<CustomerSyncEvidence[]> {
  const { syncCustomer } = proxyActivities<ProbeActivities>({
    taskQueue: regionalTaskQueue(input.baseTaskQueue, input.misrouteTo ?? input.region),
    startToCloseTimeout: '30s',
    retry: { maximumAttempts: 2, initialInterval: '100ms' },
  });
  const evidence: CustomerSyncEvidence[] = [];
  for (const customer of input.customers)
    evidence.push(await syncCustomer({ customer, dataRegion: input.region }));
  return evidence;
}
