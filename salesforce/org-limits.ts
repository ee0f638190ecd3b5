/**
 * Salesforce limits that hold per org, not per worker: at most 25 concurrent long-running
 * requests (over 20 s) per org, and the daily API request allowance. With several workers each
 * one's own counters say nothing about the org, so they share them through the store
 * (store/salesforce-limits.ts). Every request holds a slot while it runs: Salesforce counts
 * only the long ones, so counting all of them is on the safe side.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../store/database';
import {
  freeSlot,
  readApiUsage,
  recordApiUsage,
  takeSlot,
  type StoredApiUsage as ApiUsage,
} from '../store/salesforce-limits';

export interface OrgLimits {
  readonly maxConcurrent: number;
  /** Waits for one of the org's request slots; resolves with its release. */
  acquire(org: string): Promise<() => Promise<void>>;
  recordUsage(org: string, usage: ApiUsage): Promise<void>;
  usage(org: string): Promise<ApiUsage | undefined>;
}

/** Salesforce's limit of concurrent long-running requests per org (production orgs). */
export const ORG_CONCURRENT_REQUESTS = 25;

export interface SharedOrgLimitsOptions {
  maxConcurrent?: number;
  /** A slot of a worker that died mid-request is free again after this long. */
  leaseMs?: number;
  /** Give up waiting for a slot after this long (the activity fails and Temporal retries it). */
  maxWaitMs?: number;
}

/** All slots busy for too long: retryable, and says why. */
export class OrgConcurrencyExhausted extends Error {
  constructor(max: number, waitedMs: number) {
    super(
      `all ${max} of the org's concurrent Salesforce request slots stayed busy for ${Math.round(waitedMs / 1000)} s (shared by every worker); try again later`,
    );
    this.name = 'OrgConcurrencyExhausted';
  }
}

export function sharedOrgLimits(db: Database, options: SharedOrgLimitsOptions = {}): OrgLimits {
  const max = options.maxConcurrent ?? ORG_CONCURRENT_REQUESTS;
  const leaseMs = options.leaseMs ?? 150_000;
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  return {
    maxConcurrent: max,
    async acquire(org) {
      const holder = randomUUID();
      const started = Date.now();
      for (let pause = 20; ; pause = Math.min(pause * 2, 500)) {
        const slot = await takeSlot(db, org, holder, max, leaseMs);
        if (slot !== undefined) return () => freeSlot(db, org, slot, holder);
        if (Date.now() - started > maxWaitMs) throw new OrgConcurrencyExhausted(max, Date.now() - started);
        // Jitter: workers waiting together do not all ask again at the same moment.
        await new Promise((resolve) => setTimeout(resolve, pause / 2 + Math.random() * pause));
      }
    },
    recordUsage: (org, usage) => recordApiUsage(db, org, usage),
    usage: (org) => readApiUsage(db, org),
  };
}
