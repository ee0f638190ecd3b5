/**
 * The CRM sync buffer at a glance, from Temporal visibility: every record's buffer publishes its
 * depth and counters in its memo. Depth and the oldest waiting write come from one listing;
 * the drain rate from two listings a few seconds apart (writes applied in between / seconds).
 */
import type { Client } from '@temporalio/client';
import type { SyncMemo } from '../domain/crm-write';
import { CRM_SYNC_WORKFLOW_TYPE } from './ids';

export interface SyncSnapshot {
  at: string;
  /** Records with writes waiting. */
  records: number;
  pending: number;
  oldestPendingAt: string | null;
  /** Writes applied by the buffers counted (running ones, and those that ended since `since`). */
  applied: number;
  rejected: number;
  /** Buffers holding rejected writes: `lockout sync status --json` lists them. */
  withRejections: string[];
}

export interface SyncBufferStatus extends SyncSnapshot {
  /** Writes applied per second over the sample, or null without a sample. */
  drainRatePerSecond: number | null;
  sampleSeconds: number;
}

export interface BufferMemo {
  workflowId: string;
  memo: SyncMemo;
}

/** Pure: the totals over the buffers' memos. */
export function summarize(buffers: readonly BufferMemo[], at: Date): SyncSnapshot {
  let oldest: string | null = null;
  const snapshot: SyncSnapshot = {
    at: at.toISOString(),
    records: 0,
    pending: 0,
    oldestPendingAt: null,
    applied: 0,
    rejected: 0,
    withRejections: [],
  };
  for (const { workflowId, memo } of buffers) {
    snapshot.pending += memo.pending;
    snapshot.applied += memo.applied;
    snapshot.rejected += memo.rejected;
    if (memo.pending > 0) snapshot.records++;
    if (memo.rejected > 0) snapshot.withRejections.push(workflowId);
    if (memo.oldestPendingAt && (!oldest || memo.oldestPendingAt < oldest)) oldest = memo.oldestPendingAt;
  }
  snapshot.oldestPendingAt = oldest;
  return snapshot;
}

export function drainRate(first: SyncSnapshot, second: SyncSnapshot): number {
  const seconds = (Date.parse(second.at) - Date.parse(first.at)) / 1000;
  return seconds > 0 ? Math.max(0, second.applied - first.applied) / seconds : 0;
}

/**
 * Running buffers, plus (with `since`) those that completed since then, so a buffer that ended
 * between two samples still counts. Runs that continued-as-new are left out: their successor
 * carries their counters.
 */
export async function readSyncBuffer(client: Client, since?: Date): Promise<SyncSnapshot> {
  const closedSince = since
    ? ` OR (ExecutionStatus = 'Completed' AND CloseTime >= '${since.toISOString()}')`
    : '';
  const query = `WorkflowType = '${CRM_SYNC_WORKFLOW_TYPE}' AND (ExecutionStatus = 'Running'${closedSince})`;
  const buffers: BufferMemo[] = [];
  for await (const wf of client.workflow.list({ query })) {
    const memo = wf.memo?.crmSync as SyncMemo | undefined;
    if (memo) buffers.push({ workflowId: wf.workflowId, memo });
  }
  return summarize(buffers, new Date());
}

/** Depth now and the drain rate measured over `sampleMs` (0: no rate). For the CLI and status page. */
export async function syncBufferStatus(client: Client, sampleMs = 5_000): Promise<SyncBufferStatus> {
  const start = new Date();
  const first = await readSyncBuffer(client);
  if (sampleMs <= 0) return { ...first, drainRatePerSecond: null, sampleSeconds: 0 };
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const second = await readSyncBuffer(client, start);
  return {
    ...second,
    drainRatePerSecond: Math.round(drainRate(first, second) * 100) / 100,
    sampleSeconds: (Date.parse(second.at) - Date.parse(first.at)) / 1000,
  };
}
