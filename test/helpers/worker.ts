/** A real incident worker for the duration of a test body. */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ActivityDeps } from '../../activities';
import { createIncidentWorker } from '../../workers/worker';
import { terminateOpenIncidents } from './incidents';
import { uniqueTaskQueue, workflowBundle } from './temporal';

/**
 * Runs `fn` while a worker serves a fresh task queue. Incidents left open are terminated before
 * the worker stops: the time-skipping server would otherwise wait forever on their timers.
 */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  deps: ActivityDeps,
  fn: (taskQueue: string) => Promise<T>,
  name = 'test',
): Promise<T> {
  const taskQueue = uniqueTaskQueue(name);
  const worker = await createIncidentWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    deps,
    workflowBundle: await workflowBundle(),
  });
  return worker.runUntil(async () => {
    try {
      return await fn(taskQueue);
    } finally {
      await terminateOpenIncidents(env.client, taskQueue);
    }
  });
}
