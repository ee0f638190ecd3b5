/** The incident worker: runs the incident workflow and every activity on one task queue. */
import { heartbeatWhileRunning } from '../activities/heartbeat';
import type { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { createWorker } from '../temporal/encrypted';
import { createActivities, type ActivityDeps } from '../activities';
import { WORKFLOW_BUNDLER_OPTIONS } from '../temporal/bundle';

export interface IncidentWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests, bench); otherwise workflows/ is bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
  /** On shutdown, running activities get this long (ms) before they are cancelled. */
  shutdownGraceTime?: number;
  /** Workflows kept in memory between tasks; beyond it the least recent is evicted (and replayed). */
  maxCachedWorkflows?: number;
}

export const WORKFLOWS_PATH = require.resolve('../workflows');

export function createIncidentWorker(options: IncidentWorkerOptions): Promise<Worker> {
  return createWorker({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    interceptors: { activity: [heartbeatWhileRunning] },
    activities: createActivities(options.deps),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: WORKFLOW_BUNDLER_OPTIONS }),
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.shutdownGraceTime ? { shutdownGraceTime: options.shutdownGraceTime } : {}),
    ...(options.maxCachedWorkflows ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
  });
}
