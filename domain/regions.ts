/**
 * Data residency: activities that touch a region's customer data run only on workers polling
 * that region's task queue. The engine and the workers both derive queue names from here.
 */
import { z } from 'zod';

export const DATA_REGIONS = ['eu', 'us'] as const;
export const DataRegion = z.enum(DATA_REGIONS);
export type DataRegion = z.infer<typeof DataRegion>;

/** `lockout-runbook` + `eu` → `lockout-runbook-eu`. */
export function regionalTaskQueue(base: string, region: DataRegion): string {
  return `${base}-${region}`;
}

/** The region a task queue serves, or undefined for the main queue (or an unrelated one). */
export function regionOfTaskQueue(base: string, taskQueue: string): DataRegion | undefined {
  return DATA_REGIONS.find((region) => regionalTaskQueue(base, region) === taskQueue);
}
