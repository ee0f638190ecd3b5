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
import { activeTracing } from '../lib/tracing';
import { bundleWorkflows } from '../temporal/bundle';
import { checkPrebuiltBundle, NotABundle, type BundleChoice } from '../temporal/prebuilt-bundle';
import { createIncidentWorker, WORKFLOWS_PATH } from '../workers/worker';

export interface ConfiguredWorkers {
  workers: Worker[];
  /** One line per worker, then where the workflow code came from, for start-up output. */
  descriptions: string[];
  /** Said at start as warnings (a prebuilt bundle that could not be used). */
  warnings: string[];
}

type WorkflowBundle = { code: string } | { codePath: string };

/** The workflow code, and a line saying where it came from. */
interface WorkflowCode {
  bundle: WorkflowBundle;
  description: string;
}

/**
 * LOCKOUT_WORKFLOW_BUNDLE when it was built from this code with this tracing setting; otherwise
 * workflows/ bundled now (webpack: seconds), saying why. A file that is no bundle is refused.
 */
async function workflowCode(config: Config, warnings: string[]): Promise<WorkflowCode> {
  const path = config.workflowBundle;
  if (path) {
    let choice: BundleChoice;
    try {
      choice = checkPrebuiltBundle(path, { tracing: activeTracing() !== undefined });
    } catch (err) {
      if (err instanceof NotABundle)
        throw new Error(`LOCKOUT_WORKFLOW_BUNDLE: ${err.message}`, { cause: err });
      throw err;
    }
    if (choice.use)
      return {
        bundle: { codePath: path },
        description: `workflow code from ${path} (built ${choice.header.builtAt})`,
      };
    warnings.push(
      `LOCKOUT_WORKFLOW_BUNDLE=${path} not used: ${choice.reason}; bundling workflows/ at start instead (rebuild it with npm run bundle)`,
    );
  }
  const started = Date.now();
  const { code } = await bundleWorkflows(WORKFLOWS_PATH);
  return {
    bundle: { code },
    description:
      `workflow code bundled at start in ${((Date.now() - started) / 1000).toFixed(1)} s` +
      (path ? '' : ' (npm run bundle and LOCKOUT_WORKFLOW_BUNDLE skip this)'),
  };
}

export async function createConfiguredWorkers(
  config: Config,
  connection: NativeConnection,
  deps: ActivityDeps,
): Promise<ConfiguredWorkers> {
  const { namespace, taskQueue } = config.temporal;
  const result: ConfiguredWorkers = { workers: [], descriptions: [], warnings: [] };
  // One bundle for every worker of this process.
  let code: Promise<WorkflowCode> | undefined;
  const workflowBundle = async () => (await (code ??= workflowCode(config, result.warnings))).bundle;
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
  if (code) result.descriptions.push((await code).description);
  return result;
}
