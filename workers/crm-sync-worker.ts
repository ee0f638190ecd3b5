/**
 * The CRM sync worker: runs the per-record sync buffers and their upserts on a task queue of
 * their own, so a flood of buffered writes never delays incident work, and the upsert rate is
 * capped for the whole queue (Temporal's task-queue rate limit) to stay within the org's API
 * limits however many workers run.
 */
import { heartbeatWhileRunning } from '../activities/heartbeat';
import type { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { createWorker } from '../temporal/encrypted';
import type { ActivityDeps } from '../activities';
import { crmSyncActivities } from '../activities/crm-sync';
import { WORKFLOWS_PATH } from './worker';
import { WORKFLOW_BUNDLER_OPTIONS } from '../temporal/bundle';

export interface CrmSyncWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Upserts per second across every worker of the queue. */
  maxPerSecond: number;
  /** Salesforce allows 25 long-running requests at once per org; stay well below. */
  maxConcurrentUpserts?: number;
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
  /** On shutdown, running activities get this long (ms) before they are cancelled. */
  shutdownGraceTime?: number;
}

export function createCrmSyncWorker(options: CrmSyncWorkerOptions): Promise<Worker> {
  return createWorker({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    interceptors: { activity: [heartbeatWhileRunning] },
    activities: crmSyncActivities(options.deps),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: WORKFLOW_BUNDLER_OPTIONS }),
    maxTaskQueueActivitiesPerSecond: options.maxPerSecond,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentUpserts ?? 10,
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.shutdownGraceTime ? { shutdownGraceTime: options.shutdownGraceTime } : {}),
  });
}
