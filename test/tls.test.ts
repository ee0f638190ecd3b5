import assert from 'node:assert/strict';
import { checkTls, type TlsCheck } from '../expiry/tls-check';
import { tlsObservation } from '../expiry/expiry-sources';
import { TlsEndpointConfig } from '../expiry/watch-config';
import { decideWatchAction } from '../domain/expiry';
import { createTestPki, hoursFromNow, issue, type TestPki } from './helpers/certs';
import { startTlsServer, type LoopbackTlsServer } from './helpers/tls-server';

const HOST = 'api.lockout.test';
const HOUR = 3_600_000;
const THRESHOLDS = {
  warnBeforeMs: 72 * HOUR,
  escalateBeforeMs: 24 * HOUR,
  warnSeverity: 'sev3',
  escalateSeverity: 'sev1',
} as const;

describe('TLS checks: real handshakes with loopback servers and generated certificates', function () {
  this.timeout(30_000);
  let pki: TestPki;
  const servers: LoopbackTlsServer[] = [];

  before(() => {
    pki = createTestPki();
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  /** Serves `chain` (leaf first) and checks it as a client trusting only the test root. */
  async function handshake(keyPem: string, chain: string[], servername = HOST): Promise<TlsCheck> {
    const server = await startTlsServer(keyPem, chain);
    servers.push(server);
    return checkTls({ host: '127.0.0.1', port: server.port, servername, ca: pki.root.certPem });
  }

  it('a valid chain: validates, names the host, complete, expiry of the earliest certificate', async () => {
    const leaf = pki.leaf({ dnsNames: [HOST], notAfter: hoursFromNow(24 * 90) });
    const check = await handshake(leaf.keyPem, [leaf.certPem, pki.intermediate.certPem]);
    assert.equal(check.valid, true, check.errorMessage);
    assert.equal(check.errorCode, undefined);
    assert.equal(check.chainComplete, true);
    assert.equal(check.hostnameMatches, true);
    assert.deepEqual(
      check.chain.map((c) => c.subject),
      [`CN=${HOST}`, 'CN=Lockout Test Intermediate CA', 'CN=Lockout Test Root CA'],
    );
    assert.equal(check.expiresAt, leaf.cert.validity.notAfter.toISOString().replace(/\.\d+Z$/, '.000Z'));
    assert.equal(check.expiresFirst, `CN=${HOST}`);
    assert.match(check.protocol ?? '', /^TLSv1\.[23]$/);
  });

  it('a chain expiring in 48 h: still valid, but a 72-hour warning and not yet the 24-hour escalation', async () => {
    const leaf = pki.leaf({ dnsNames: [HOST], notAfter: hoursFromNow(48) });
    const check = await handshake(leaf.keyPem, [leaf.certPem, pki.intermediate.certPem]);
    assert.equal(check.valid, true);
    const msLeft = Date.parse(check.expiresAt!) - Date.now();
    assert.ok(msLeft > 47 * HOUR && msLeft <= 48 * HOUR, `msLeft ${msLeft}`);

    const endpoint = TlsEndpointConfig.parse({
      host: '127.0.0.1',
      port: 443,
      servername: HOST,
      region: 'eu',
    });
    const decision = decideWatchAction(tlsObservation(endpoint, check), Date.now(), THRESHOLDS);
    assert.equal(decision.level, 'warning');
    assert.equal(decision.alert?.severity, 'sev3');
    assert.equal(decision.alert?.pattern, 'certificate-chain');
    assert.equal(decision.alert?.region, 'eu');
    assert.equal(decision.alert?.fingerprint, 'watch-tls-127.0.0.1:443');
    assert.match(decision.alert?.title ?? '', /expires within 72 h$/);
  });

  it('an expired certificate: CERT_HAS_EXPIRED, a lockout at once', async () => {
    const leaf = pki.leaf({
      dnsNames: [HOST],
      notBefore: hoursFromNow(-24 * 30),
      notAfter: hoursFromNow(-2),
    });
    const check = await handshake(leaf.keyPem, [leaf.certPem, pki.intermediate.certPem]);
    assert.equal(check.valid, false);
    assert.equal(check.errorCode, 'CERT_HAS_EXPIRED');
    assert.equal(check.hostnameMatches, true);
    assert.ok(Date.parse(check.expiresAt!) < Date.now());

    const endpoint = TlsEndpointConfig.parse({ host: '127.0.0.1', servername: HOST });
    const decision = decideWatchAction(tlsObservation(endpoint, check), Date.now(), THRESHOLDS);
    assert.equal(decision.level, 'invalid');
    assert.equal(decision.alert?.severity, 'sev1');
    assert.match(decision.alert?.title ?? '', /no longer validates: CERT_HAS_EXPIRED/);
    assert.equal(decision.alert?.labels?.validationError, 'CERT_HAS_EXPIRED');
  });

  it('a self-signed certificate: DEPTH_ZERO_SELF_SIGNED_CERT', async () => {
    const self = issue({ commonName: HOST, dnsNames: [HOST] });
    const check = await handshake(self.keyPem, [self.certPem]);
    assert.equal(check.valid, false);
    assert.equal(check.errorCode, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.match(check.errorMessage ?? '', /self-signed/);
    assert.equal(check.hostnameMatches, true);
  });

  it('a server that does not send its intermediate: UNABLE_TO_VERIFY_LEAF_SIGNATURE, chain incomplete', async () => {
    const leaf = pki.leaf({ dnsNames: [HOST] });
    const check = await handshake(leaf.keyPem, [leaf.certPem]);
    assert.equal(check.valid, false);
    assert.equal(check.errorCode, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    assert.equal(check.chainComplete, false);
    assert.match(check.errorMessage ?? '', /intermediate/);
    assert.equal(check.chain.length, 1);
  });

  it('a certificate for another host: ERR_TLS_CERT_ALTNAME_INVALID, chain itself fine', async () => {
    const leaf = pki.leaf({ dnsNames: ['other.lockout.test'] });
    const check = await handshake(leaf.keyPem, [leaf.certPem, pki.intermediate.certPem]);
    assert.equal(check.valid, false);
    assert.equal(check.errorCode, 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.equal(check.hostnameMatches, false);
    assert.equal(check.chainComplete, true);
    assert.match(check.errorMessage ?? '', /api\.lockout\.test/);
  });

  it('the system roots do not trust a private CA', async () => {
    const leaf = pki.leaf({ dnsNames: [HOST] });
    const server = await startTlsServer(leaf.keyPem, [leaf.certPem, pki.intermediate.certPem]);
    servers.push(server);
    const check = await checkTls({ host: '127.0.0.1', port: server.port, servername: HOST });
    assert.equal(check.valid, false);
    assert.equal(check.errorCode, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
  });

  it('an endpoint that refuses connections is unreachable, not invalid: reported, no incident', async () => {
    const leaf = pki.leaf({ dnsNames: [HOST] });
    const server = await startTlsServer(leaf.keyPem, [leaf.certPem]);
    const port = server.port;
    await server.close(); // nothing listens there any more
    const check = await checkTls({ host: '127.0.0.1', port, servername: HOST, timeoutMs: 5_000 });
    assert.match(check.unreachable ?? '', /ECONNREFUSED/);
    const endpoint = TlsEndpointConfig.parse({ host: '127.0.0.1', port });
    const decision = decideWatchAction(tlsObservation(endpoint, check), Date.now(), THRESHOLDS);
    assert.equal(decision.level, 'unchecked');
    assert.equal(decision.alert, undefined);
  });
});
