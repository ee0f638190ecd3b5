/**
 * The CRM sync scenario for record.ts: a record's buffer on its own sync worker, against the
 * loopback Salesforce. Returns the workflow id whose history is recorded.
 */
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { CrmWrite, RecordSyncStatus } from '../../domain/crm-write';
import { syncWorkflowId } from '../../domain/crm-write';
import { bufferWrites } from '../../client/crm-sync';
import { crmSyncStatusQuery } from '../../workflows/crm-sync-messages';
import { createCrmSyncWorker } from '../../workers/crm-sync-worker';
import { testDeps } from '../helpers/deps';
import { startSalesforce, shippedSalesforceDeps } from '../helpers/salesforce';
import { workflowBundle } from '../helpers/temporal';


export async function recordCrmSyncHistory(
  env: TestWorkflowEnvironment,
  client: Client,
  taskQueue: string,
): Promise<string> {
  const sf = await startSalesforce();
  const syncQueue = `${taskQueue}-crm-sync`;
  const worker = await createCrmSyncWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue: syncQueue,
    maxPerSecond: 100,
    deps: testDeps('smtp://127.0.0.1:1', {
      salesforce: shippedSalesforceDeps(sf.session('jwt-bearer')),
    }),
    workflowBundle: await workflowBundle(),
  });
  const key = { object: 'Contact', externalIdField: 'Shop_Customer_Id__c', externalId: 'replay-1' };
  const writes: CrmWrite[] = [
    { ...key, writeId: 'replay-w1', fields: { LastName: 'Ortiz' } },
    { ...key, writeId: 'replay-w2', fields: { Bogus__c: 'rejected' } },
    { ...key, writeId: 'replay-w3', fields: { LastName: 'Ortiz-Diaz' } },
  ];
  const workflowId = syncWorkflowId(key);
  try {
    await worker.runUntil(async () => {
      sf.double.lockOut();
      await bufferWrites(client, syncQueue, writes);
      await bufferWrites(client, syncQueue, writes.slice(0, 1));
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      sf.double.unblock();
      const handle = client.workflow.getHandle(workflowId);
      for (;;) {
        const status: RecordSyncStatus = await handle.query(crmSyncStatusQuery);
        if (status.pending === 0 && status.totals.applied + status.totals.rejected === 3) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await env.sleep('11m');
      await handle.result();
    });
  } finally {
    await sf.double.close();
  }
  return workflowId;
}
