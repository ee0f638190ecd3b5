/** Connections to the Temporal server, for clients (CLI, gateway) and workers. */
import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config/env';

function tlsOptions(config: Config): TLSConfig | undefined {
  const tls = config.temporal.tls;
  if (!tls) return undefined;
  return {
    serverRootCACertificate: tls.ca ? readFileSync(tls.ca) : undefined,
    clientCertPair:
      tls.cert && tls.key ? { crt: readFileSync(tls.cert), key: readFileSync(tls.key) } : undefined,
  };
}

/** `interceptors`: gRPC interceptors, e.g. the gateway's StartOutcomes (temporal/start-outcomes.ts). */
export async function connectClient(
  config: Config,
  extra: Pick<ConnectionOptions, 'interceptors'> = {},
): Promise<Client> {
  const connection = await Connection.connect({
    address: config.temporal.address,
    tls: tlsOptions(config),
    apiKey: config.temporal.apiKey,
    connectTimeout: '5s',
    ...extra,
  });
  return new Client({ connection, namespace: config.temporal.namespace });
}

export async function connectWorker(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect({
    address: config.temporal.address,
    tls: tlsOptions(config),
    apiKey: config.temporal.apiKey,
  });
}

/** A client that connects on first use: for activities that may never need Temporal themselves. */
export function lazyClient(config: Config): Client {
  const connection = Connection.lazy({
    address: config.temporal.address,
    tls: tlsOptions(config),
    apiKey: config.temporal.apiKey,
    connectTimeout: '5s',
  });
  return new Client({ connection, namespace: config.temporal.namespace });
}
