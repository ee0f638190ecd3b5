/**
 * Expiry sources: each looks at one kind of thing that expires and reports observations. The
 * watch runs every source it is given; the TLS source ships here, the Salesforce credential
 * source plugs in the same way (`{ name, check }`).
 */
import { readFileSync } from 'node:fs';
import type { ExpiryObservation } from '../domain/expiry';
import { durationMs } from '../domain/duration';
import { checkTls, type TlsCheck } from './tls-check';
import type { TlsEndpointConfig, WatchConfig } from './watch-config';

export interface ExpirySource {
  /** Short and stable: part of each incident's fingerprint (`watch-<name>-<subject>`). */
  name: string;
  check(): Promise<ExpiryObservation[]>;
}

/** What the watch makes of one TLS check. */
export function tlsObservation(endpoint: TlsEndpointConfig, check: TlsCheck): ExpiryObservation {
  const subject = `${endpoint.host}:${endpoint.port}`;
  const observation: ExpiryObservation = {
    source: 'tls',
    subject,
    label: `TLS certificate of ${endpoint.servername ? `${endpoint.servername} (${subject})` : subject}`,
    pattern: 'certificate-chain',
    region: endpoint.region,
    expiresAt: check.expiresAt,
  };
  if (check.unreachable) return { ...observation, unchecked: check.unreachable };
  if (!check.valid)
    observation.invalid = {
      code: check.errorCode ?? 'INVALID',
      reason: check.errorMessage ?? 'does not validate',
    };
  if (check.leaf)
    observation.detail = `Server certificate ${check.leaf.subject}, issued by ${check.leaf.issuer}; first to expire: ${check.expiresFirst}.`;
  return observation;
}

function readCa(file: string | undefined): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`caFile ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? err})`, {
      cause: err,
    });
  }
}

export function tlsExpirySource(config: () => WatchConfig): ExpirySource {
  return {
    name: 'tls',
    async check() {
      const { tls } = config();
      return Promise.all(
        tls.endpoints.map(async (endpoint) => {
          let ca: Buffer | undefined;
          try {
            ca = readCa(endpoint.caFile ?? tls.caFile);
          } catch (err) {
            return { ...tlsObservation(endpoint, noCheck(endpoint)), unchecked: (err as Error).message };
          }
          const check = await checkTls({ ...endpoint, ca, timeoutMs: durationMs(tls.timeout) });
          return tlsObservation(endpoint, check);
        }),
      );
    },
  };
}

function noCheck(endpoint: TlsEndpointConfig): TlsCheck {
  return {
    endpoint: `${endpoint.host}:${endpoint.port}`,
    servername: endpoint.servername ?? endpoint.host,
    valid: false,
    chainComplete: false,
    hostnameMatches: false,
    chain: [],
  };
}
