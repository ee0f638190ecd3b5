/**
 * Storefront CRM writes into the sync buffer: each write is a signal to its record's workflow,
 * started if needed (signalWithStart), so it is durable once this resolves. Writes to the same
 * record are sent one after the other in the order given; different records go in parallel.
 * A write with a data region goes to that region's sync queue, so only its workers touch it.
 */
import type { Client } from '@temporalio/client';
import { recordKeyOf, syncTaskQueue, syncWorkflowId, type CrmWrite } from '../domain/crm-write';
import { crmWriteSignal } from '../workflows/crm-sync-messages';
import { crmSyncRecord } from '../workflows/crm-sync-record';

export interface BufferedReceipt {
  writeId: string;
  record: string;
}

const PARALLEL_RECORDS = 64;

export async function bufferWrites(
  client: Client,
  /** The shared sync queue; regional writes go to `<taskQueue>-<region>`. */
  taskQueue: string,
  writes: readonly CrmWrite[],
  acceptedAt = new Date(),
  /** For tests: continue-as-new sooner than the default. */
  historyLimit?: number,
): Promise<BufferedReceipt[]> {
  const byRecord = new Map<string, CrmWrite[]>();
  for (const write of writes) {
    const id = syncWorkflowId(recordKeyOf(write), write.region);
    byRecord.set(id, [...(byRecord.get(id) ?? []), write]);
  }
  const queue = [...byRecord.entries()];
  const receipts: BufferedReceipt[] = [];
  const sendRecords = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [workflowId, recordWrites] = next;
      for (const write of recordWrites) {
        await client.workflow.signalWithStart(crmSyncRecord, {
          workflowId,
          taskQueue: syncTaskQueue(taskQueue, write.region),
          args: [{ record: recordKeyOf(write), historyLimit }],
          signal: crmWriteSignal,
          signalArgs: [{ ...write, acceptedAt: acceptedAt.toISOString() }],
          staticSummary: `CRM sync buffer for ${write.object} ${write.externalIdField}=${write.externalId}`,
        });
        receipts.push({ writeId: write.writeId, record: workflowId });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_RECORDS, queue.length) }, sendRecords));
  return receipts;
}
