/**
 * How the outside world talks to a high-risk period's readiness workflow. Updates answer
 * "accepted" or "refused: <reason>"; payload shapes are in domain/high-risk-period.ts.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DecideVendorPackInput, ReadinessState, StopPeriodInput } from '../domain/high-risk-period';

/** Ends the period now: no more checks at its cadence, the pack is not sent if it was not yet. */
export const stopPeriodUpdate = defineUpdate<string, [StopPeriodInput]>('stopPeriod');

/** Approves or rejects sending the vendor-assessment pack before the period starts. */
export const decideVendorPackUpdate = defineUpdate<string, [DecideVendorPackInput]>('decideVendorPack');

export const periodStatusQuery = defineQuery<ReadinessState>('periodStatus');
