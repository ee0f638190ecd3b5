/**
 * Data residency: activities that touch a region's customer data run only on workers polling
 * that region's task queue. The engine and the workers both derive queue names from here.
 * (Workflow code imports this file: no zod here.)
 */
import type { Region } from './alert';

export const DATA_REGIONS = ['eu', 'us'] as const;
export type DataRegion = (typeof DATA_REGIONS)[number];

export function isDataRegion(region: string): region is DataRegion {
  return (DATA_REGIONS as readonly string[]).includes(region);
}

/** `lockout-runbook` + `eu` → `lockout-runbook-eu`. */
export function regionalTaskQueue(base: string, region: DataRegion): string {
  return `${base}-${region}`;
}

/** The queue for an incident's regional activities: its region's, or the main one for `global`. */
export function taskQueueForRegion(base: string, region: Region): string {
  return isDataRegion(region) ? regionalTaskQueue(base, region) : base;
}

/** The region a task queue serves, or undefined for the main queue (or an unrelated one). */
export function regionOfTaskQueue(base: string, taskQueue: string): DataRegion | undefined {
  return DATA_REGIONS.find((region) => regionalTaskQueue(base, region) === taskQueue);
}
