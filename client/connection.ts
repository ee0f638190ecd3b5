/**
 * Connections to the Temporal server: address, TLS and API key from configuration. Every client
 * encrypts payloads with the configured key ring (temporal/encrypted.ts, docs/privacy.md).
 */
import { readFileSync } from 'node:fs';
import {
  Connection,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  type Client,
  type ConnectionOptions,
  type TLSConfig,
} from '@temporalio/client';
import type { Interceptor } from '@grpc/grpc-js';
import type { Config } from '../config/env';
import { loadCodecKeys } from '../temporal/codec-keys';
import { createClient } from '../temporal/encrypted';
import type { KeyRing } from '../temporal/key-ring';

function tlsOptions(config: Config): TLSConfig | undefined {
  const tls = config.temporal.tls;
  if (!tls) return undefined;
  return {
    serverRootCACertificate: tls.ca ? readFileSync(tls.ca) : undefined,
    clientCertPair:
      tls.cert && tls.key ? { crt: readFileSync(tls.cert), key: readFileSync(tls.key) } : undefined,
  };
}

/**
 * Temporal's own gRPC retry, except once the connection is closed. The SDK's retry would otherwise
 * retry a call the server ended on shutdown from a timer, on the closed channel, and the
 * "Channel has been shut down" it throws there ends the process (seen on `npm start` stopping).
 */
function retryUntilClosed(): { interceptor: Interceptor; closeOn(connection: Connection): Connection } {
  let closed = false;
  const defaults = defaultGrpcRetryOptions();
  const interceptor = makeGrpcRetryInterceptor({
    ...defaults,
    retryableDecider: (attempt, status) => !closed && defaults.retryableDecider(attempt, status),
  });
  return {
    interceptor,
    closeOn(connection) {
      const close = connection.close.bind(connection);
      connection.close = () => {
        closed = true;
        return close();
      };
      return connection;
    },
  };
}

/**
 * `interceptors`: gRPC interceptors, e.g. the gateway's StartOutcomes (client/start-outcomes.ts).
 * `keys`: the key ring, when the caller has it already; otherwise loaded from configuration.
 */
export async function connectClient(
  config: Config,
  extra: Pick<ConnectionOptions, 'interceptors'> & { keys?: KeyRing } = {},
): Promise<Client> {
  const keys = extra.keys ?? (await loadCodecKeys(config));
  const retry = retryUntilClosed();
  const connection = retry.closeOn(
    await Connection.connect({
      ...serverOptions(config),
      connectTimeout: '5s',
      // Interceptors given replace the retry, as in the SDK (the gateway answers at once instead).
      interceptors: extra.interceptors ?? [retry.interceptor],
    }),
  );
  return createClient({ connection, namespace: config.temporal.namespace }, keys);
}

/** What a client or a worker connection needs to reach the configured server. */
export function serverOptions(config: Config): { address: string; tls?: TLSConfig; apiKey?: string } {
  return { address: config.temporal.address, tls: tlsOptions(config), apiKey: config.temporal.apiKey };
}

/** A client that connects on first use: for activities that may never need Temporal themselves. */
export function lazyClient(config: Config, keys: KeyRing): Client {
  const retry = retryUntilClosed();
  const connection = retry.closeOn(
    Connection.lazy({ ...serverOptions(config), connectTimeout: '5s', interceptors: [retry.interceptor] }),
  );
  return createClient({ connection, namespace: config.temporal.namespace }, keys);
}
