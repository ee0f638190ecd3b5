/**
 * Data residency: activities that touch customer data run on the task queue of the data's region,
 * polled only by workers in that region. Anything not pinned to eu or us runs on the main queue.
 */
import type { Region } from './alert';

export const DATA_REGIONS = ['eu', 'us'] as const;
export type DataRegion = (typeof DATA_REGIONS)[number];

export function regionalTaskQueue(baseTaskQueue: string, region: Region): string {
  return (DATA_REGIONS as readonly string[]).includes(region) ? `${baseTaskQueue}-${region}` : baseTaskQueue;
}
