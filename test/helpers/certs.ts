/**
 * Certificates made in the test, signed with node-forge: a root CA, an intermediate and leaves
 * for each way a chain goes wrong. Keys come from node:crypto (fast); forge builds and signs.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface Issued {
  certPem: string;
  keyPem: string;
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

const HOUR = 3_600_000;

function keyPair(): { key: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e), keyPem };
}

interface IssueOptions {
  commonName: string;
  /** Signs it; absent = self-signed. */
  issuer?: Issued;
  ca?: boolean;
  dnsNames?: string[];
  /** IP addresses in the subjectAltName (a client connecting by IP checks these). */
  ipAddresses?: string[];
  notBefore?: Date;
  notAfter?: Date;
}

export function issue(options: IssueOptions): Issued {
  const { key, publicKey, keyPem } = keyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - 24 * HOUR);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * 24 * HOUR);
  const subject = [{ name: 'commonName', value: options.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(options.issuer ? options.issuer.cert.subject.attributes : subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: Boolean(options.ca), critical: true },
    options.ca
      ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    ...(options.ca ? [] : [{ name: 'extKeyUsage', serverAuth: true }]),
    ...(options.dnsNames || options.ipAddresses
      ? [
          {
            name: 'subjectAltName',
            altNames: [
              ...(options.dnsNames ?? []).map((value) => ({ type: 2, value })),
              ...(options.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
            ],
          },
        ]
      : []),
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(options.issuer?.key ?? key, forge.md.sha256.create());
  return { cert, key, keyPem, certPem: forge.pki.certificateToPem(cert) };
}

/** Root CA → intermediate CA, and a leaf issuer for the cases each test needs. */
export interface TestPki {
  root: Issued;
  intermediate: Issued;
  /** A leaf for `dnsNames`, signed by the intermediate. */
  leaf(options: { dnsNames: string[]; ipAddresses?: string[]; notAfter?: Date; notBefore?: Date }): Issued;
}

export function createTestPki(): TestPki {
  const root = issue({
    commonName: 'Lockout Test Root CA',
    ca: true,
    notAfter: new Date(Date.now() + 3650 * 24 * HOUR),
  });
  const intermediate = issue({
    commonName: 'Lockout Test Intermediate CA',
    ca: true,
    issuer: root,
    notAfter: new Date(Date.now() + 1825 * 24 * HOUR),
  });
  return {
    root,
    intermediate,
    leaf: ({ dnsNames, ipAddresses, notAfter, notBefore }) =>
      issue({
        commonName: dnsNames[0] ?? ipAddresses?.[0] ?? 'leaf',
        dnsNames,
        ipAddresses,
        issuer: intermediate,
        notAfter,
        notBefore,
      }),
  };
}

export const hoursFromNow = (h: number): Date => new Date(Date.now() + h * HOUR);
