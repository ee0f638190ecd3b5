/** Connections to the Temporal server: address, TLS and API key from configuration. */
import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions, type TLSConfig } from '@temporalio/client';
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

/** `interceptors`: gRPC interceptors, e.g. the gateway's StartOutcomes (client/start-outcomes.ts). */
export async function connectClient(
  config: Config,
  extra: Pick<ConnectionOptions, 'interceptors'> = {},
): Promise<Client> {
  const connection = await Connection.connect({
    ...serverOptions(config),
    connectTimeout: '5s',
    ...extra,
  });
  return new Client({ connection, namespace: config.temporal.namespace });
}

/** What a client or a worker connection needs to reach the configured server. */
export function serverOptions(config: Config): { address: string; tls?: TLSConfig; apiKey?: string } {
  return { address: config.temporal.address, tls: tlsOptions(config), apiKey: config.temporal.apiKey };
}

/** A client that connects on first use: for activities that may never need Temporal themselves. */
export function lazyClient(config: Config): Client {
  const connection = Connection.lazy({
    ...serverOptions(config),
    connectTimeout: '5s',
  });
  return new Client({ connection, namespace: config.temporal.namespace });
}
