/** How the gateway and the CLI talk to a record's sync buffer. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { BufferedWrite, RecordSyncStatus } from '../domain/crm-write';

export const crmWriteSignal = defineSignal<[BufferedWrite]>('crmWrite');
export const crmSyncStatusQuery = defineQuery<RecordSyncStatus>('crmSyncStatus');
