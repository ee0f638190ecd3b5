/**
 * Defence in depth for data residency: a regional activity checks, before touching any data,
 * that it was taken from its data region's task queue. Even a misrouted task cannot move EU
 * data through a US worker.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DataRegion } from '../domain/regions';

export function assertRunsInRegion(dataRegion: DataRegion): void {
  const { taskQueue, activityType } = Context.current().info;
  if (!taskQueue.endsWith(`-${dataRegion}`))
    throw ApplicationFailure.nonRetryable(
      `${activityType} handles ${dataRegion.toUpperCase()} data but was taken from task queue "${taskQueue}": only ${dataRegion.toUpperCase()} workers may run it; nothing was done`,
      'DataResidency',
    );
}
