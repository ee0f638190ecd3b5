/**
 * A real TLS handshake with an integration endpoint, and what it tells about the certificate
 * chain: when it expires, whether it validates against the trusted roots, whether it names the
 * host. Revocation (OCSP/CRL) is not checked: these are the failures a handshake shows by itself.
 */
import { isIP } from 'node:net';
import { checkServerIdentity, connect, type DetailedPeerCertificate, type PeerCertificate } from 'node:tls';

export interface TlsEndpoint {
  host: string;
  port: number;
  /** Name sent as SNI and matched against the certificate; defaults to `host`. */
  servername?: string;
  /** PEM roots to trust instead of the system's (a private CA, a test CA). */
  ca?: string | Buffer;
  timeoutMs?: number;
}

export interface CertificateSummary {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  serialNumber: string;
  fingerprint256: string;
}

export interface TlsCheck {
  endpoint: string;
  servername: string;
  /** Could not complete a handshake at all (refused, timed out, not TLS). */
  unreachable?: string;
  /** The chain validates and names the host. */
  valid: boolean;
  /** OpenSSL's or Node's code: CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT, UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID, … */
  errorCode?: string;
  errorMessage?: string;
  /** false when an issuer is missing: the server does not send its intermediate certificate. */
  chainComplete: boolean;
  hostnameMatches: boolean;
  leaf?: CertificateSummary;
  /** Leaf first, as the handshake built it (up to the root when it was found). */
  chain: CertificateSummary[];
  /** Earliest validTo in the chain: the day the endpoint stops working if nobody acts. */
  expiresAt?: string;
  /** The certificate that expires first (subject). */
  expiresFirst?: string;
  protocol?: string;
}

/** Verification errors that mean an issuer certificate is missing rather than wrong. */
const MISSING_ISSUER = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

function name(fields: PeerCertificate['subject'] | undefined): string {
  if (!fields) return '';
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

function summary(cert: PeerCertificate): CertificateSummary {
  return {
    subject: name(cert.subject),
    issuer: name(cert.issuer),
    validFrom: new Date(cert.valid_from).toISOString(),
    validTo: new Date(cert.valid_to).toISOString(),
    serialNumber: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
  };
}

/** The chain as Node links it: each certificate's issuerCertificate, until a self-signed one. */
function chainOf(leaf: DetailedPeerCertificate): CertificateSummary[] {
  const chain: CertificateSummary[] = [];
  const seen = new Set<string>();
  for (
    let cert: DetailedPeerCertificate | undefined = leaf;
    cert && cert.raw;
    cert = cert.issuerCertificate
  ) {
    if (seen.has(cert.fingerprint256)) break;
    seen.add(cert.fingerprint256);
    chain.push(summary(cert));
  }
  return chain;
}

export function checkTls(endpoint: TlsEndpoint): Promise<TlsCheck> {
  const servername = endpoint.servername ?? endpoint.host;
  const label = `${endpoint.host}:${endpoint.port}`;
  const base = {
    endpoint: label,
    servername,
    valid: false,
    chainComplete: false,
    hostnameMatches: false,
    chain: [],
  };
  return new Promise((resolve) => {
    const socket = connect({
      host: endpoint.host,
      port: endpoint.port,
      // SNI must be a name, never an IP address (RFC 6066).
      ...(isIP(servername) ? {} : { servername }),
      ca: endpoint.ca,
      // We want to see every problem, not just the first: validation is judged below.
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
    socket.setTimeout(endpoint.timeoutMs ?? 10_000, () =>
      socket.destroy(new Error(`no TLS handshake within ${endpoint.timeoutMs ?? 10_000} ms`)),
    );
    // `on`, not `once`: a reset after the answer must not become an unhandled error.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      resolve({ ...base, unreachable: `${err.code ? `${err.code}: ` : ''}${err.message}` });
    });
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate(true);
      const chain = peer.raw ? chainOf(peer) : [];
      const identityError = peer.raw ? checkServerIdentity(servername, peer) : new Error('no certificate');
      const authorizationError = socket.authorized ? undefined : String(socket.authorizationError);
      const earliest = [...chain].sort((a, b) => a.validTo.localeCompare(b.validTo))[0];
      const result: TlsCheck = {
        ...base,
        valid: !authorizationError && !identityError,
        chainComplete: !authorizationError || !MISSING_ISSUER.has(authorizationError),
        hostnameMatches: !identityError,
        leaf: chain[0],
        chain,
        expiresAt: earliest?.validTo,
        expiresFirst: earliest?.subject,
        protocol: socket.getProtocol() ?? undefined,
      };
      // The chain's own error comes first: a wrong host name on an untrusted chain is the lesser news.
      if (authorizationError) {
        result.errorCode = authorizationError;
        result.errorMessage = describeVerifyError(authorizationError);
      } else if (identityError) {
        result.errorCode = (identityError as NodeJS.ErrnoException).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID';
        result.errorMessage = identityError.message;
      }
      socket.end();
      resolve(result);
    });
  });
}

const VERIFY_ERRORS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'a certificate in the chain has expired',
  CERT_NOT_YET_VALID: 'a certificate in the chain is not valid yet',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server presents a self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in a self-signed root that is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    'the issuer of the server certificate is unknown: the server probably does not send its intermediate certificate',
  UNABLE_TO_GET_ISSUER_CERT: 'an issuer certificate in the chain is missing',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    'the issuer certificate is neither sent by the server nor trusted locally',
  CERT_SIGNATURE_FAILURE: 'a certificate signature does not verify',
};

function describeVerifyError(code: string): string {
  return VERIFY_ERRORS[code] ?? `certificate verification failed (${code})`;
}
