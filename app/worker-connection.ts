/** The workers' connection to the configured Temporal server. */
import { NativeConnection } from '@temporalio/worker';
import { serverOptions } from '../client/connection';
import type { Config } from '../config/env';

export function connectWorker(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect(serverOptions(config));
}
