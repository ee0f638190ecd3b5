/**
 * The CRM sync buffer for one Salesforce record. Writes arrive as signals and are applied one at
 * a time in arrival order by an upsert activity that Temporal retries with backoff for as long as
 * Salesforce refuses (a lockout): nothing is dropped, nothing overtakes. A write Salesforce
 * rejects for good (bad field) is kept in `rejected` and the next one goes on. Idle for a while,
 * the workflow ends; the next write starts it again (signalWithStart).
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  sleep,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type {
  BufferedWrite,
  RecordKey,
  RecordSyncStatus,
  RejectedWrite,
  SyncMemo,
  SyncTotals,
} from '../domain/crm-write';
import { BufferedWrite as BufferedWriteSchema } from '../domain/crm-write';
import { crmSyncStatusQuery, crmWriteSignal } from './crm-sync-messages';

export interface CrmSyncInput {
  record: RecordKey;
  /** Carried over continue-as-new. */
  pending?: BufferedWrite[];
  totals?: SyncTotals;
  recentWriteIds?: string[];
  rejected?: RejectedWrite[];
  lastAppliedAt?: string | null;
  /** History length after which the buffer continues as new (tests set it low). */
  historyLimit?: number;
}

/** Unlimited attempts: a lockout can last hours; the buffer waits it out. */
const { upsertCrmRecord } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

const IDLE_BEFORE_ENDING = '10m';
/** Memo updates are batched: visibility shows the depth within this. */
const PUBLISH_EVERY = '2s';
const REMEMBERED_WRITE_IDS = 1000;
const KEPT_REJECTIONS = 100;
const HISTORY_BEFORE_CONTINUE = 5000;

function reasonOf(err: unknown): string {
  const cause = (err as { cause?: { message?: string } }).cause;
  return cause?.message ?? (err as Error).message;
}

export async function crmSyncRecord(input: CrmSyncInput): Promise<RecordSyncStatus> {
  const pending = [...(input.pending ?? [])];
  const totals: SyncTotals = input.totals ?? { accepted: 0, applied: 0, rejected: 0, duplicates: 0 };
  const recent = [...(input.recentWriteIds ?? [])];
  const seen = new Set(recent);
  const rejected = [...(input.rejected ?? [])];
  let lastAppliedAt = input.lastAppliedAt ?? null;
  let dirty = true;

  const status = (): RecordSyncStatus => ({
    record: input.record,
    pending: pending.length,
    oldestPendingAt: pending[0]?.acceptedAt ?? null,
    lastAppliedAt,
    totals: { ...totals },
    rejected: [...rejected],
  });
  const publish = () => {
    const memo: SyncMemo = {
      object: input.record.object,
      pending: pending.length,
      oldestPendingAt: pending[0]?.acceptedAt ?? null,
      applied: totals.applied,
      rejected: totals.rejected,
      lastAppliedAt,
    };
    upsertMemo({ crmSync: memo });
    dirty = false;
  };

  setHandler(crmWriteSignal, (received) => {
    // Signals can be sent by anyone with access to Temporal: a malformed one is set aside, never thrown.
    const parsed = BufferedWriteSchema.safeParse(received);
    if (!parsed.success) {
      totals.rejected++;
      rejected.push({
        writeId: String((received as { writeId?: unknown } | null)?.writeId ?? '(none)'),
        at: new Date().toISOString(),
        reason: `invalid write: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'write'}: ${i.message}`).join('; ')}`,
        fields: {},
      });
      dirty = true;
      return;
    }
    const write = parsed.data;
    if (seen.has(write.writeId)) {
      totals.duplicates++;
      return;
    }
    seen.add(write.writeId);
    recent.push(write.writeId);
    if (recent.length > REMEMBERED_WRITE_IDS) seen.delete(recent.shift()!);
    pending.push(write);
    totals.accepted++;
    dirty = true;
  });
  setHandler(crmSyncStatusQuery, status);

  // Publishes the buffer's depth to visibility, at most every few seconds, even while the
  // main loop is waiting on a retried upsert.
  void (async () => {
    for (;;) {
      await condition(() => dirty);
      publish();
      await sleep(PUBLISH_EVERY);
    }
  })();

  for (;;) {
    // The idle timer only while empty: draining a backlog starts no timers.
    if (pending.length === 0) {
      await condition(() => pending.length > 0, IDLE_BEFORE_ENDING);
      if (pending.length === 0) break;
    }
    const write = pending[0]!;
    try {
      await upsertCrmRecord(write);
      totals.applied++;
      lastAppliedAt = new Date().toISOString();
    } catch (err) {
      // Only non-retryable failures get here: Salesforce rejected this write for good.
      totals.rejected++;
      rejected.push({
        writeId: write.writeId,
        at: new Date().toISOString(),
        reason: reasonOf(err),
        fields: write.fields,
      });
      if (rejected.length > KEPT_REJECTIONS) rejected.shift();
    }
    pending.shift();
    dirty = true;
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > (input.historyLimit ?? HISTORY_BEFORE_CONTINUE)) {
      await condition(allHandlersFinished);
      publish();
      await continueAsNew<typeof crmSyncRecord>({
        record: input.record,
        pending,
        totals,
        recentWriteIds: recent,
        rejected,
        lastAppliedAt,
        historyLimit: input.historyLimit,
      });
    }
  }
  publish();
  return status();
}
