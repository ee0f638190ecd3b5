/**
 * Connections to the Temporal server: address, TLS and API key from configuration. Every client
 * encrypts payloads with the configured key ring (temporal/encrypted.ts, docs/privacy.md).
 */
import { readFileSync } from 'node:fs';
import { Connection, type Client, type ConnectionOptions, type TLSConfig } from '@temporalio/client';
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
 * `interceptors`: gRPC interceptors, e.g. the gateway's StartOutcomes (client/start-outcomes.ts).
 * `keys`: the key ring, when the caller has it already; otherwise loaded from configuration.
 */
export async function connectClient(
  config: Config,
  extra: Pick<ConnectionOptions, 'interceptors'> & { keys?: KeyRing } = {},
): Promise<Client> {
  const keys = extra.keys ?? (await loadCodecKeys(config));
  const connection = await Connection.connect({
    ...serverOptions(config),
    connectTimeout: '5s',
    ...(extra.interceptors ? { interceptors: extra.interceptors } : {}),
  });
  return createClient({ connection, namespace: config.temporal.namespace }, keys);
}

/** What a client or a worker connection needs to reach the configured server. */
export function serverOptions(config: Config): { address: string; tls?: TLSConfig; apiKey?: string } {
  return { address: config.temporal.address, tls: tlsOptions(config), apiKey: config.temporal.apiKey };
}

/** A client that connects on first use: for activities that may never need Temporal themselves. */
export function lazyClient(config: Config, keys: KeyRing): Client {
  const connection = Connection.lazy({
    ...serverOptions(config),
    connectTimeout: '5s',
  });
  return createClient({ connection, namespace: config.temporal.namespace }, keys);
}
