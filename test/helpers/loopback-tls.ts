/** A private CA and a server certificate for 127.0.0.1/localhost, generated per test run (node-forge). */
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

export interface LoopbackTls {
  /** PEM of the CA the client must trust. */
  ca: string;
  key: string;
  cert: string;
}

function keyPair() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e), pem };
}

function certificate(
  subject: string,
  publicKey: forge.pki.PublicKey,
  issuer: { name: string; key: forge.pki.rsa.PrivateKey },
  extensions: object[],
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = forge.util.bytesToHex(forge.random.getBytesSync(8)).replace(/^[89a-f]/, '1');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3_600_000);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  cert.setIssuer([{ name: 'commonName', value: issuer.name }]);
  cert.setExtensions(extensions);
  cert.sign(issuer.key, forge.md.sha256.create());
  return cert;
}

let cached: LoopbackTls | undefined;

export function loopbackTls(): LoopbackTls {
  if (cached) return cached;
  const ca = keyPair();
  const caCert = certificate('lockout test CA', ca.publicKey, { name: 'lockout test CA', key: ca.key }, [
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true },
  ]);
  const server = keyPair();
  const serverCert = certificate('localhost', server.publicKey, { name: 'lockout test CA', key: ca.key }, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
      ],
    },
  ]);
  cached = {
    ca: forge.pki.certificateToPem(caCert),
    key: server.pem,
    cert: forge.pki.certificateToPem(serverCert),
  };
  return cached;
}
