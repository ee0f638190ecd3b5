/**
 * The one place that builds Temporal clients, workers, worker connections, test environments and
 * replayers, each with the payload codec (docs/privacy.md). Nothing else may construct them:
 * ESLint refuses a value import of `Client`, `Worker`, `NativeConnection` or
 * `TestWorkflowEnvironment` anywhere but here (eslint.config.mjs, `temporalFactoryRules`), so a
 * client or worker without encryption cannot be written by mistake.
 *
 * A worker takes its keys from the connection it polls on: `connectWorkers` records which key
 * ring a connection was opened with, and `createWorker` refuses a connection it did not open.
 *
 * The worker and testing SDKs load on first use (about half a second): the CLI and the gateway
 * only build clients and never pay for them.
 */
import { Client, type ClientOptions, type DataConverter } from '@temporalio/client';
import type {
  NativeConnection,
  NativeConnectionOptions,
  ReplayResult,
  ReplayWorkerOptions,
  Worker,
  WorkerOptions,
} from '@temporalio/worker';
import type {
  LocalTestWorkflowEnvironmentOptions,
  TestWorkflowEnvironment,
  TimeSkippingTestWorkflowEnvironmentOptions,
} from '@temporalio/testing';
import type { temporal } from '@temporalio/proto';
import { activeTracing } from '../lib/tracing';
import type { KeyRing } from './key-ring';
import { EncryptionCodec } from './payload-codec';

export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/**
 * The codec, and failures whose message and stack trace are encrypted too. The failure converter
 * is given by path: workers load it into the workflow sandbox as well.
 */
export function encryptedDataConverter(keys: KeyRing): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys)], failureConverterPath: FAILURE_CONVERTER_PATH };
}

/** With tracing on (lib/tracing.ts), clients and workers get its plugin: spans cross every hop. */
function traced<T extends { plugins?: unknown[] }>(options: T): T {
  const tracing = activeTracing();
  return tracing ? { ...options, plugins: [...(options.plugins ?? []), tracing.plugin] } : options;
}

export function createClient(options: Omit<ClientOptions, 'dataConverter'>, keys: KeyRing): Client {
  return new Client(traced({ ...options, dataConverter: encryptedDataConverter(keys) }));
}

const keysOfConnection = new WeakMap<NativeConnection, KeyRing>();

function remember(connection: NativeConnection, keys: KeyRing): NativeConnection {
  keysOfConnection.set(connection, keys);
  return connection;
}

/** A connection for workers; every worker built on it encrypts with `keys`. */
export async function connectWorkers(
  options: NativeConnectionOptions,
  keys: KeyRing,
): Promise<NativeConnection> {
  const { NativeConnection } = await import('@temporalio/worker');
  return remember(await NativeConnection.connect(options), keys);
}

export async function createWorker(options: Omit<WorkerOptions, 'dataConverter'>): Promise<Worker> {
  const keys = keysOfConnection.get(options.connection as NativeConnection);
  if (!keys)
    throw new Error(
      'this worker connection has no key ring: open it with connectWorkers (temporal/encrypted.ts), or take a test environment from startTestEnvironment',
    );
  const { Worker } = await import('@temporalio/worker');
  return Worker.create(traced({ ...options, dataConverter: encryptedDataConverter(keys) }));
}

/**
 * A test server (the dev server or the time-skipping one) whose `client` encrypts with `keys`
 * and whose `nativeConnection` gives workers the same keys.
 */
export async function startTestEnvironment(
  kind: 'local' | 'time-skipping',
  options: LocalTestWorkflowEnvironmentOptions & TimeSkippingTestWorkflowEnvironmentOptions,
  keys: KeyRing,
): Promise<TestWorkflowEnvironment> {
  const withCodec = {
    ...options,
    client: { ...options.client, dataConverter: encryptedDataConverter(keys) },
  };
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env =
    kind === 'local'
      ? await TestWorkflowEnvironment.createLocal(withCodec)
      : await TestWorkflowEnvironment.createTimeSkipping(withCodec);
  remember(env.nativeConnection, keys);
  return env;
}

type History = temporal.api.history.v1.IHistory;

/** Replays recorded histories, encrypted or plain, with today's workflow code. */
export async function* replayHistories(
  options: Omit<ReplayWorkerOptions, 'dataConverter'>,
  histories: Iterable<{ workflowId: string; history: History }>,
  keys: KeyRing,
): AsyncGenerator<ReplayResult> {
  const { Worker } = await import('@temporalio/worker');
  yield* Worker.runReplayHistories({ ...options, dataConverter: encryptedDataConverter(keys) }, histories);
}
