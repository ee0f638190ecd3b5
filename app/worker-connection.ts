/** The workers' connection to the configured Temporal server, with the configured key ring. */
import type { NativeConnection } from '@temporalio/worker';
import { serverOptions } from '../client/connection';
import type { Config } from '../config/env';
import { loadCodecKeys } from '../temporal/codec-keys';
import { connectWorkers } from '../temporal/encrypted';
import type { KeyRing } from '../temporal/key-ring';

export async function connectWorker(config: Config, keys?: KeyRing): Promise<NativeConnection> {
  return connectWorkers(serverOptions(config), keys ?? (await loadCodecKeys(config)));
}
