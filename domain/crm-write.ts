/**
 * A CRM write from the storefront: an upsert of one Salesforce record by external id. Writes are
 * buffered per record (one workflow each) and applied in the order they were accepted.
 * Pure: shared by the gateway, the CLI and the sync workflow.
 */
import { z } from 'zod';
import { DATA_REGIONS, regionalTaskQueue, type DataRegion } from './regions';

const apiName = () =>
  z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, 'must be a Salesforce API name (letters, digits, _)');
const fieldValue = () => z.union([z.string().max(131_072), z.number(), z.boolean(), z.null()]);

// Built on first use: workflows evaluate this module per run (temporal/bundle.ts), most never parse.
const writeShape = () => ({
  /** The storefront's idempotency key: the same write sent twice is applied once. */
  writeId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 letters, digits or . _ : -'),
  object: apiName(),
  externalIdField: apiName(),
  externalId: z.string().min(1).max(255),
  fields: z.record(apiName(), fieldValue()),
  /** When the storefront made the change (informational). */
  occurredAt: z.iso.datetime({ offset: true }).optional(),
  /** Where the record's customer data must stay: its buffer and upserts run only on that region's workers. */
  region: z
    .enum(DATA_REGIONS, `must be one of ${DATA_REGIONS.join(', ')} (or left out for no residency rule)`)
    .optional(),
});

function onlyDataFields(
  write: { externalIdField: string; fields: Record<string, unknown> },
  ctx: z.RefinementCtx,
) {
  for (const name of Object.keys(write.fields)) {
    if (name === 'Id' || name.toLowerCase() === write.externalIdField.toLowerCase()) {
      ctx.addIssue({
        code: 'custom',
        path: ['fields', name],
        message: 'must not be set: the record is addressed by externalIdField/externalId',
      });
    }
  }
  if (Object.keys(write.fields).length === 0) {
    ctx.addIssue({ code: 'custom', path: ['fields'], message: 'must set at least one field' });
  }
}

export const CrmWrite = z.lazy(() => z.object(writeShape()).strict().superRefine(onlyDataFields));
export type CrmWrite = z.infer<typeof CrmWrite>;

/** A batch in order, as POST /crm/writes takes it (`{"writes": [...]}`). */
export const CrmWriteBatch = z.lazy(() => z.object({ writes: z.array(CrmWrite).min(1).max(500) }).strict());

/**
 * One write or a batch. The shape decides which schema reads it, so a mistake in a single write
 * is reported by its field, not as "matches neither".
 */
export function parseCrmWriteBody(body: unknown) {
  const isBatch = typeof body === 'object' && body !== null && 'writes' in body;
  const parsed = (isBatch ? CrmWriteBatch : CrmWrite).safeParse(body);
  return parsed.success
    ? ({ success: true, writes: 'writes' in parsed.data ? parsed.data.writes : [parsed.data] } as const)
    : ({ success: false, error: parsed.error } as const);
}

/** A write as the buffer holds it: with the time the gateway accepted it. */
export const BufferedWrite = z.lazy(() =>
  z
    .object({ ...writeShape(), acceptedAt: z.iso.datetime({ offset: true }) })
    .strict()
    .superRefine(onlyDataFields),
);
export type BufferedWrite = z.infer<typeof BufferedWrite>;

export interface RecordKey {
  object: string;
  externalIdField: string;
  externalId: string;
}

export function recordKeyOf(write: CrmWrite): RecordKey {
  return { object: write.object, externalIdField: write.externalIdField, externalId: write.externalId };
}

/**
 * One buffer per record (and data region); the id is what makes writes to the same record queue
 * in order. Salesforce API names are case-insensitive, so `Contact`/`contact` and
 * `Shop_Id__c`/`shop_id__c` name one record; the external id value is kept as sent.
 */
export function syncWorkflowId(key: RecordKey, region?: DataRegion): string {
  const object = key.object.toLowerCase();
  const field = key.externalIdField.toLowerCase();
  return `crm-sync${region ? `-${region}` : ''}:${object}:${field}:${key.externalId}`;
}

/** The sync buffer's task queue for a write: its data region's, or the shared one. */
export function syncTaskQueue(base: string, region?: DataRegion): string {
  return region ? regionalTaskQueue(base, region) : base;
}

export interface RejectedWrite {
  writeId: string;
  at: string;
  reason: string;
  fields: CrmWrite['fields'];
}

export interface SyncTotals {
  accepted: number;
  applied: number;
  rejected: number;
  duplicates: number;
}

/** What a record's buffer shows (query), and its memo in visibility (for the status overview). */
export interface RecordSyncStatus {
  record: RecordKey;
  pending: number;
  oldestPendingAt: string | null;
  lastAppliedAt: string | null;
  totals: SyncTotals;
  rejected: RejectedWrite[];
}

export interface SyncMemo {
  object: string;
  pending: number;
  oldestPendingAt: string | null;
  applied: number;
  rejected: number;
  lastAppliedAt: string | null;
}
