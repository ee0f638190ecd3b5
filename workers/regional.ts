/**
 * Regional workers: activities whose catalog entry says `regional: true` touch one region's
 * customer data, so they run only on the task queue of that region (`<queue>-eu`, `<queue>-us`),
 * polled by workers deployed in that region. A regional worker runs no workflows and nothing
 * else: an EU lockout never occupies the workers that keep US flows moving.
 */
import { hostname } from 'node:os';
import { heartbeatWhileRunning } from '../activities/heartbeat';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createWorker } from '../temporal/encrypted';
import { createActivities, type Activities, type ActivityDeps } from '../activities';
import { RUNBOOK_ACTIVITIES } from '../activities/catalog';
import { regionalTaskQueue, type DataRegion } from '../domain/regions';

/**
 * The activities of the catalog that are regional, from a full set of implementations. `catalog`
 * is the runbook activity catalog (tests pass a modified copy instead of changing the shared one).
 */
export function regionalActivities(
  all: Activities,
  catalog: Readonly<Record<string, { regional?: boolean }>> = RUNBOOK_ACTIVITIES,
): Partial<Activities> {
  return Object.fromEntries(
    Object.entries(all).filter(([name]) => catalog[name]?.regional === true),
  ) as Partial<Activities>;
}

export interface RegionalWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  /** LOCKOUT_TASK_QUEUE: the regional queue is derived from it. */
  baseTaskQueue: string;
  region: DataRegion;
  deps: ActivityDeps;
  /** Instead of the catalog's regional activities (tests). */
  activities?: object;
  identity?: string;
  /** On shutdown, running activities get this long (ms) before they are cancelled. */
  shutdownGraceTime?: number;
}

/** Undefined when the catalog has no regional activity yet: there is nothing to poll for. */
export async function createRegionalWorker(options: RegionalWorkerOptions): Promise<Worker | undefined> {
  const activities = options.activities ?? regionalActivities(createActivities(options.deps));
  if (!Object.keys(activities).length) return undefined;
  return createWorker({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: regionalTaskQueue(options.baseTaskQueue, options.region),
    interceptors: { activity: [heartbeatWhileRunning] },
    activities,
    identity: options.identity ?? `lockout-${options.region}@${hostname()}/${process.pid}`,
    ...(options.shutdownGraceTime ? { shutdownGraceTime: options.shutdownGraceTime } : {}),
  });
}
