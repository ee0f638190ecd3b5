/**
 * The workers one process runs, from LOCKOUT_WORKER_MAIN and LOCKOUT_WORKER_REGIONS: the main
 * worker (workflows and non-regional activities) and the shared CRM sync buffer; per data region
 * a regional worker and that region's CRM sync buffer.
 */
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../activities';
import type { Config } from '../config/env';
import { regionalTaskQueue } from '../domain/regions';
import { createCrmSyncWorker } from '../workers/crm-sync-worker';
import { createRegionalWorker } from '../workers/regional';
import { bundleWorkflows } from '../temporal/bundle';
import { createIncidentWorker, WORKFLOWS_PATH } from '../workers/worker';

export interface ConfiguredWorkers {
  workers: Worker[];
  /** One line per worker, for start-up output. */
  descriptions: string[];
}

export async function createConfiguredWorkers(
  config: Config,
  connection: NativeConnection,
  deps: ActivityDeps,
): Promise<ConfiguredWorkers> {
  const { namespace, taskQueue } = config.temporal;
  const result: ConfiguredWorkers = { workers: [], descriptions: [] };
  // One bundle of workflows/ for every worker of this process (webpack takes seconds per bundle).
  let bundle: ReturnType<typeof bundleWorkflows> | undefined;
  const workflowBundle = () => (bundle ??= bundleWorkflows(WORKFLOWS_PATH));
  if (config.workers.main) {
    const incidents = await createIncidentWorker({
      connection,
      namespace,
      taskQueue,
      deps,
      shutdownGraceTime: config.workerShutdownGraceMs,
      workflowBundle: await workflowBundle(),
      ...(config.workerCacheSize ? { maxCachedWorkflows: config.workerCacheSize } : {}),
    });
    result.workers.push(incidents);
    // The cache bounds how many open incidents stay in memory (docs/production.md): said at start.
    const cache = incidents.options.maxCachedWorkflows;
    result.descriptions.push(
      `task queue "${taskQueue}" (workflows and non-regional activities; caches up to ${cache} workflows` +
        `${config.workerCacheSize ? '' : ', the default for this heap: LOCKOUT_WORKER_CACHE_SIZE sets it'})`,
    );
    const sync = config.crmSync;
    result.workers.push(
      await createCrmSyncWorker({
        connection,
        namespace,
        taskQueue: sync.taskQueue,
        deps,
        shutdownGraceTime: config.workerShutdownGraceMs,
        maxPerSecond: sync.maxPerSecond,
        workflowBundle: await workflowBundle(),
      }),
    );
    result.descriptions.push(
      `task queue "${sync.taskQueue}" (CRM sync buffer, ≤ ${sync.maxPerSecond} upserts/s)`,
    );
  }
  for (const region of config.workers.regions) {
    // The region's CRM sync buffers: records whose writes say this region.
    const syncQueue = regionalTaskQueue(config.crmSync.taskQueue, region);
    result.workers.push(
      await createCrmSyncWorker({
        connection,
        namespace,
        taskQueue: syncQueue,
        deps,
        shutdownGraceTime: config.workerShutdownGraceMs,
        maxPerSecond: config.crmSync.maxPerSecond,
        workflowBundle: await workflowBundle(),
      }),
    );
    result.descriptions.push(
      `task queue "${syncQueue}" (CRM sync buffer for ${region.toUpperCase()} records, ≤ ${config.crmSync.maxPerSecond} upserts/s)`,
    );

    const queue = regionalTaskQueue(taskQueue, region);
    const worker = await createRegionalWorker({
      connection,
      namespace,
      baseTaskQueue: taskQueue,
      region,
      deps,
      shutdownGraceTime: config.workerShutdownGraceMs,
    });
    if (worker) {
      result.workers.push(worker);
      result.descriptions.push(`task queue "${queue}" (${region.toUpperCase()} data activities)`);
    } else {
      result.descriptions.push(`task queue "${queue}": not polled, no regional activity in the catalog yet`);
    }
  }
  if (!result.workers.length)
    throw new Error('nothing to run: LOCKOUT_WORKER_MAIN=false and LOCKOUT_WORKER_REGIONS is empty');
  return result;
}
