import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import forge from 'node-forge';
import { createActivities, type Activities } from '../activities';
import { RUNBOOK_ACTIVITIES, type RunbookActivityInput } from '../activities/catalog';
import type { IncidentFacts } from '../domain/incident';
import { salesforceCredentialExpiry, salesforceExpirySource } from '../salesforce/expiry-source';
import { salesforceAuditTrailSource, salesforcePermissionSource } from '../salesforce/control-sources';
import { decideWatchAction } from '../domain/expiry';
import { salesforceHealth } from '../status-page/salesforce-health';
import { SalesforceSession } from '../salesforce/session';
import { testDeps } from './helpers/deps';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import {
  seedOrg,
  startSalesforce,
  type SalesforceFixture,
  type SeededOrg,
  shippedSalesforceDeps,
} from './helpers/salesforce';

const ROOT = join(__dirname, '..');
const PACK = join(ROOT, 'config', 'procurement-pack');
const thresholds = {
  warnBeforeMs: 72 * 3_600_000,
  escalateBeforeMs: 24 * 3_600_000,
  warnSeverity: 'sev3',
  escalateSeverity: 'sev1',
} as const;

const facts: IncidentFacts = {
  title: 'Salesforce integration user lost Order_Sync',
  pattern: 'acl-misconfiguration',
  severity: 'sev1',
  region: 'eu',
  euPersonalData: true,
  source: 'test',
  labels: {},
  custom: {},
};

function input(
  step: string,
  args: Record<string, unknown> = {},
  incidentId = 'lockout-acl-1',
): RunbookActivityInput {
  return { incidentId, step, args, facts };
}

function sfDeps(session: SalesforceSession | undefined, packDir = PACK) {
  return shippedSalesforceDeps(session, { procurementPackDir: packDir });
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the activity to fail');
}

describe('Salesforce activities (real jsforce, loopback Salesforce, real SMTP)', function () {
  this.timeout(30_000);
  let sf: SalesforceFixture;
  let org: SeededOrg;
  let mail: MailCatcher;
  let session: SalesforceSession;
  let activities: Activities;

  before(async () => {
    [sf, mail] = await Promise.all([startSalesforce(), startMailCatcher()]);
    org = seedOrg(sf.double, sf.integrationUserId);
  });
  beforeEach(() => {
    session = sf.session('jwt-bearer');
    activities = createActivities(testDeps(mail.url, { salesforce: sfDeps(session) }));
  });
  after(async () => {
    await sf?.double.close();
    await mail?.close();
  });

  it('implements every catalog entry', () => {
    for (const name of Object.keys(RUNBOOK_ACTIVITIES)) {
      assert.equal(typeof (activities as Record<string, unknown>)[name], 'function', name);
    }
  });

  describe('when Salesforce is not configured', () => {
    it('diagnostics say so (ok: false), remediation and procurement refuse without retries', async () => {
      const unconfigured = createActivities(testDeps(mail.url, { salesforce: sfDeps(undefined) }));
      for (const name of [
        'checkSalesforceAuth',
        'checkSalesforceLimits',
        'checkSalesforceConnectivity',
        'compareIntegrationPermissions',
        'fetchSetupAuditTrail',
        'findKeyAccounts',
        'notifyKeyAccounts',
      ] as const) {
        const result = await unconfigured[name](input(name));
        assert.equal(result.ok, false, name);
        assert.match(result.summary, /Salesforce not configured/, name);
      }
      for (const name of ['refreshSalesforceToken', 'assignPermissionSet', 'sendProcurementPack'] as const) {
        const failure = await failureOf(unconfigured[name](input(name)));
        assert.equal(failure.nonRetryable, true);
        assert.equal(failure.type, 'SalesforceNotConfigured');
        assert.match(failure.message, /SALESFORCE_CLIENT_ID/);
      }
    });
  });

  it('refuses bad arguments naming the field, without retries', async () => {
    const failure = await failureOf(
      activities.checkSalesforceLimits(input('limits', { minRemainingPercent: 150 })),
    );
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /checkSalesforceLimits: invalid arguments: minRemainingPercent:/);
    const unknown = await failureOf(activities.fetchSetupAuditTrail(input('audit', { since: 'yesterday' })));
    assert.match(unknown.message, /since:/);
  });

  describe('checkSalesforceAuth', () => {
    it('reports a valid token with its expiry', async () => {
      const result = await activities.checkSalesforceAuth(input('auth'));
      assert.equal(result.ok, true, result.summary);
      assert.match(result.summary, /token valid \(jwt-bearer\), expires ~/);
      assert.equal(result.data?.tokenValid, true);
      assert.equal(result.data?.userId, sf.integrationUserId);
    });

    it('says when the session had expired and was refreshed automatically', async () => {
      await activities.checkSalesforceAuth(input('auth'));
      sf.double.expireSessions();
      const result = await activities.checkSalesforceAuth(input('auth'));
      assert.equal(result.ok, true);
      assert.equal(result.data?.refreshedAutomatically, true);
      assert.match(result.summary, /refreshed automatically/);
    });

    it('warns (ok: false) when the JWT certificate expires within 72 hours', async () => {
      const key = forge.pki.privateKeyFromPem(
        createPrivateKey(readFileSync(sf.privateKeyFile)).export({ type: 'pkcs1', format: 'pem' }).toString(),
      );
      const cert = forge.pki.createCertificate();
      cert.publicKey = forge.pki.publicKeyFromPem(
        createPublicKey(readFileSync(sf.privateKeyFile)).export({ type: 'spki', format: 'pem' }).toString(),
      );
      cert.serialNumber = '01';
      cert.validity.notBefore = new Date(Date.now() - 86_400_000);
      cert.validity.notAfter = new Date(Date.now() + 48 * 3_600_000);
      cert.setSubject([{ name: 'commonName', value: 'storefront-integration' }]);
      cert.setIssuer([{ name: 'commonName', value: 'storefront-integration' }]);
      cert.sign(key, forge.md.sha256.create());
      const certFile = join(mkdtempSync(join(tmpdir(), 'lockout-cert-')), 'server.crt');
      writeFileSync(certFile, forge.pki.certificateToPem(cert));
      const settings = sf.settings('jwt-bearer');
      if (settings.flow.kind === 'jwt-bearer') settings.flow.certificateFile = certFile;
      const withCert = createActivities(
        testDeps(mail.url, { salesforce: sfDeps(new SalesforceSession(settings)) }),
      );
      const result = await withCert.checkSalesforceAuth(input('auth'));
      assert.equal(result.ok, false);
      assert.match(
        result.summary,
        /certificate of the Salesforce connected app \(CN=storefront-integration\) expires in 1d 23h/,
      );
      const relaxed = await withCert.checkSalesforceAuth(input('auth', { warnWithin: '24h' }));
      assert.equal(relaxed.ok, true, relaxed.summary);
    });

    it('reports a lockout as the finding, not as an exception', async () => {
      sf.double.lockOut();
      try {
        const result = await activities.checkSalesforceAuth(input('auth'));
        assert.equal(result.ok, false);
        assert.match(result.summary, /Salesforce refused access: .*invalid_grant: authentication failure/);
      } finally {
        sf.double.unblock();
      }
    });
  });

  it('checkSalesforceCertificates lists the org certificates (Tooling API) and flags one expiring within 72 hours', async () => {
    const result = await activities.checkSalesforceCertificates(input('certs'));
    assert.equal(result.ok, false);
    assert.match(result.summary, /^certificate Storefront_mTLS expires in 1d\b/);
    assert.deepEqual(result.data?.expiringOrExpired, ['Storefront_mTLS']);
    assert.ok(sf.double.requests.some((r) => r.path.endsWith('/tooling/query')));
    const relaxed = await activities.checkSalesforceCertificates(input('certs', { warnWithin: '1d' }));
    assert.equal(relaxed.ok, true, relaxed.summary);
    assert.match(relaxed.summary, /2 org certificate\(s\), none expiring within 1d/);
  });

  it('tells the expiry watch what expires: the access token (renews itself) and the org certificates', async () => {
    assert.deepEqual(await salesforceCredentialExpiry(undefined), []);
    const expiries = await salesforceCredentialExpiry(session);
    assert.deepEqual(
      expiries.map((e) => [e.id, e.renewsAutomatically]),
      [
        ['salesforce-access-token', true],
        ['salesforce-certificate-Storefront_mTLS', false],
        ['salesforce-certificate-SSO_Signing', false],
      ],
    );
    assert.ok(Date.parse(expiries[1]!.expiresAt) - Date.now() < 3 * 86_400_000);
  });

  it('gives the expiry watch its observations: certificates to warn about, a refused token as a lockout', async () => {
    const source = salesforceExpirySource(session);
    assert.equal(source.name, 'salesforce');
    const seen = await source.check();
    assert.deepEqual(
      seen.map((o) => [o.subject, o.pattern, o.invalid ?? null]),
      [
        ['certificate-Storefront_mTLS', 'certificate-chain', null],
        ['certificate-SSO_Signing', 'certificate-chain', null],
      ],
    );
    sf.double.lockOut();
    try {
      const locked = await salesforceExpirySource(sf.session('jwt-bearer')).check();
      assert.deepEqual(
        locked.map((o) => [o.subject, o.pattern, o.invalid?.code]),
        [['token', 'token-expiry', 'TOKEN_REFUSED']],
      );
      assert.match(locked[0]!.invalid!.reason, /invalid_grant: authentication failure/);
    } finally {
      sf.double.unblock();
    }
    assert.deepEqual(await salesforceExpirySource(undefined).check(), []);
  });

  it('verifies the permission baseline and the audit trail for the expiry watch: drift and a refused trail are lockouts', async () => {
    const sf1 = sfDeps(session);
    const [drift] = await salesforcePermissionSource(sf1).check();
    assert.equal(drift!.pattern, 'acl-misconfiguration');
    assert.equal(drift!.invalid?.code, 'PERMISSION_DRIFT');
    assert.match(drift!.invalid!.reason, /missing permission set\(s\) Order_Sync/);
    assert.equal(decideWatchAction(drift!, Date.now(), thresholds).level, 'invalid');

    const [trail] = await salesforceAuditTrailSource(sf1).check();
    assert.equal(trail!.pattern, 'audit-log-failure');
    assert.match(trail!.verified!, /^readable: 2 setup change\(s\) in the last 24 h, newest /);
    assert.equal(decideWatchAction(trail!, Date.now(), thresholds).level, 'ok');

    sf.double.revokeAccess('SetupAuditTrail', 'read');
    try {
      const [refused] = await salesforceAuditTrailSource(sf1).check();
      assert.equal(refused!.invalid?.code, 'INVALID_TYPE');
      assert.equal(decideWatchAction(refused!, Date.now(), thresholds).level, 'invalid');
    } finally {
      sf.double.restoreAccess();
    }
    const goneSettings = sf.settings('client-credentials');
    goneSettings.loginUrl = 'http://127.0.0.1:9'; // discard port: nothing listens
    const gone = sfDeps(new SalesforceSession(goneSettings));
    const [unreachable] = await salesforcePermissionSource(gone).check();
    assert.ok(unreachable!.unchecked, 'an unreachable org is unchecked, not a lockout');
    assert.deepEqual(await salesforcePermissionSource(sfDeps(undefined)).check(), []);
    assert.deepEqual(await salesforceAuditTrailSource(sfDeps(undefined)).check(), []);
  });

  it('answers the status page: Salesforce reachable with its API allowance, or why not', async () => {
    const ok = await salesforceHealth(session).check();
    assert.equal(ok.ok, true);
    assert.match(
      ok.detail,
      /^answering; \d+ of 100000 daily API requests left \(100%\); token expires ~\d\d:\d\d UTC$/,
    );
    assert.equal((await salesforceHealth(undefined).check()).note, 'not-configured');
    sf.double.lockOut();
    try {
      const locked = await salesforceHealth(sf.session('jwt-bearer')).check();
      assert.equal(locked.ok, false);
      assert.match(locked.detail, /authentication failure/);
    } finally {
      sf.double.unblock();
    }
  });

  describe('checkSalesforceLimits', () => {
    it('reports daily API requests remaining and fails below the threshold', async () => {
      const ok = await activities.checkSalesforceLimits(input('limits'));
      assert.equal(ok.ok, true);
      assert.match(ok.summary, /daily API requests: \d+ of 100000 remaining/);
      const saved = sf.double.apiUsed;
      sf.double.apiUsed = 95_000;
      try {
        const low = await activities.checkSalesforceLimits(input('limits'));
        assert.equal(low.ok, false);
        assert.deepEqual(low.data?.dailyApiRequests, { max: 100_000, remaining: 4_999, remainingPercent: 5 });
      } finally {
        sf.double.apiUsed = saved;
      }
    });

    it('answers REQUEST_LIMIT_EXCEEDED as a finding and 503 with Retry-After as a retry after that delay', async () => {
      sf.double.failNext({ status: 403, path: /limits/ });
      const exceeded = await activities.checkSalesforceLimits(input('limits'));
      assert.equal(exceeded.ok, false);
      assert.equal(exceeded.data?.errorCode, 'REQUEST_LIMIT_EXCEEDED');

      sf.double.failNext({ status: 503, retryAfter: 30, path: /limits/ });
      const failure = await failureOf(activities.checkSalesforceLimits(input('limits')));
      assert.equal(failure.nonRetryable, false);
      assert.equal(failure.type, 'SalesforceRateLimited');
      assert.equal(failure.nextRetryDelay, 30_000);
    });

    it('names a used-up daily limit (403 REQUEST_LIMIT_EXCEEDED) as such, not as refused access', async () => {
      const saved = sf.double.apiUsed;
      sf.double.apiUsed = sf.double.dailyApiLimit;
      try {
        const result = await activities.checkSalesforceLimits(input('limits'));
        assert.equal(result.ok, false);
        assert.deepEqual(result.data, { status: 403, errorCode: 'REQUEST_LIMIT_EXCEEDED' });
        assert.match(
          result.summary,
          /^Salesforce's daily API request limit is used up: 403 REQUEST_LIMIT_EXCEEDED/,
        );
      } finally {
        sf.double.apiUsed = saved;
      }
    });
  });

  describe('checkSalesforceConnectivity', () => {
    it('reaches login and instance and finds the API version', async () => {
      const result = await activities.checkSalesforceConnectivity(input('connectivity'));
      assert.equal(result.ok, true, result.summary);
      assert.deepEqual(result.data?.apiVersion, { configured: '62.0', offered: true });
    });

    it('fails when the API version is not offered or the login endpoint is unreachable', async () => {
      const old = sf.settings('client-credentials');
      old.apiVersion = '99.0';
      const result = await createActivities(
        testDeps(mail.url, { salesforce: sfDeps(new SalesforceSession(old)) }),
      ).checkSalesforceConnectivity(input('connectivity'));
      assert.equal(result.ok, false);
      assert.match(result.summary, /API v99.0 not offered/);

      const gone = sf.settings('client-credentials');
      gone.loginUrl = 'http://127.0.0.1:9'; // discard port: nothing listens
      const unreachable = await createActivities(
        testDeps(mail.url, { salesforce: sfDeps(new SalesforceSession(gone)) }),
      ).checkSalesforceConnectivity(input('connectivity'));
      assert.equal(unreachable.ok, false);
      assert.match(unreachable.summary, /login endpoint http:\/\/127.0.0.1:9 unreachable \(ECONNREFUSED\)/);
    });
  });

  describe('permissions: drift and remediation', () => {
    it('lists the missing and extra permission sets and object permissions against the baseline', async () => {
      const result = await activities.compareIntegrationPermissions(input('acl'));
      assert.equal(result.ok, false);
      assert.deepEqual(result.data?.missingPermissionSets, ['Order_Sync']);
      assert.deepEqual(result.data?.extraPermissionSets, ['Marketing_Admin']);
      assert.deepEqual(result.data?.missingObjectPermissions, [
        { object: 'Order', permissions: ['create', 'edit'] },
      ]);
      assert.deepEqual(result.data?.extraObjectPermissions, [{ object: 'Contact', permissions: ['delete'] }]);
      assert.match(result.summary, /missing permission set\(s\) Order_Sync; no create\/edit on Order/);
    });

    it('sees object permissions the integration user lost (the drift the API refuses calls for)', async () => {
      sf.double.revokeAccess('Case', 'edit');
      try {
        const result = await activities.compareIntegrationPermissions(input('acl'));
        assert.deepEqual(result.data?.missingObjectPermissions, [
          { object: 'Order', permissions: ['create', 'edit'] },
          { object: 'Case', permissions: ['edit'] },
        ]);
      } finally {
        sf.double.restoreAccess();
      }
    });

    it('assigns only baseline permission sets, once, and the drift is gone afterwards', async () => {
      const refused = await failureOf(
        activities.assignPermissionSet(input('fix', { permissionSet: 'Marketing_Admin' })),
      );
      assert.equal(refused.nonRetryable, true);
      assert.equal(refused.type, 'NotInBaseline');

      const fixed = await activities.assignPermissionSet(input('fix'));
      assert.equal(fixed.ok, true, fixed.summary);
      assert.deepEqual(
        (fixed.data?.assigned as { permissionSet: string }[]).map((a) => a.permissionSet),
        ['Order_Sync'],
      );
      const again = await activities.assignPermissionSet(input('fix', { permissionSet: 'Order_Sync' }));
      assert.equal(again.ok, true);
      assert.match(again.summary, /already has Order_Sync/);
      const assignments = sf.double
        .all('PermissionSetAssignment')
        .filter((a) => a.PermissionSetId === org.permissionSets.Order_Sync);
      assert.equal(assignments.length, 1);

      const after = await activities.compareIntegrationPermissions(input('acl'));
      assert.equal(after.ok, true, after.summary);
      // Put the org back as seeded for the other tests.
      sf.double.remove('PermissionSetAssignment', assignments[0]!.Id);
    });
  });

  describe('refreshSalesforceToken', () => {
    it('issues a new token that the API accepts, and reports a refused one as not taken', async () => {
      await activities.checkSalesforceAuth(input('auth'));
      const result = await activities.refreshSalesforceToken(input('refresh'));
      assert.equal(result.ok, true, result.summary);
      assert.equal(result.data?.refreshes, 1);
      assert.ok(!JSON.stringify(result).includes('00D000000000001!'), 'no token in the result');
      assert.equal((await activities.checkSalesforceLimits(input('limits'))).ok, true);

      sf.double.lockOut();
      try {
        const refused = await activities.refreshSalesforceToken(input('refresh'));
        assert.equal(refused.ok, false);
        assert.match(
          refused.summary,
          /Salesforce refused a new token: .*invalid_grant: authentication failure/,
        );
      } finally {
        sf.double.unblock();
      }
    });
  });

  it('fetchSetupAuditTrail lists the window’s entries, flags security-relevant ones, keeps usernames out of the summary', async () => {
    const result = await activities.fetchSetupAuditTrail(input('audit', { lookback: '24h' }));
    const entries = result.data?.entries as { section: string; securityRelevant: boolean; by: string }[];
    assert.deepEqual(
      entries.map((e) => [e.section, e.securityRelevant]),
      [
        ['Manage Users', true],
        ['Customize Opportunities', false],
      ],
    );
    assert.equal(entries[0]!.by, 'ana.owner@shop.example');
    assert.equal(result.ok, false);
    assert.match(result.summary, /^2 setup change\(s\) since .*; 1 security-relevant \(Manage Users\)$/);
    assert.ok(!result.summary.includes('@'));
    const wider = await activities.fetchSetupAuditTrail(input('audit', { lookback: '3d' }));
    assert.equal((wider.data?.entries as unknown[]).length, 3);
  });

  describe("upsertCrmRecord (the sync buffer's activity)", () => {
    const write = (writeId: string, fields: Record<string, string | number>) => ({
      writeId,
      object: 'Contact',
      externalIdField: 'Shop_Customer_Id__c',
      externalId: 'direct-1',
      fields,
      acceptedAt: new Date().toISOString(),
    });

    it('upserts by external id: created once, then updated', async () => {
      assert.deepEqual((await activities.upsertCrmRecord(write('d-1', { LastName: 'A' }))).created, true);
      assert.deepEqual((await activities.upsertCrmRecord(write('d-2', { LastName: 'B' }))).created, false);
      assert.equal(sf.double.all('Contact').filter((c) => c.Shop_Customer_Id__c === 'direct-1').length, 1);
    });

    it('waits out a lockout and rate limits, gives up only on a write Salesforce rejects', async () => {
      sf.double.lockOut();
      try {
        const locked = await failureOf(activities.upsertCrmRecord(write('d-3', { LastName: 'C' })));
        assert.equal(locked.nonRetryable, false);
        assert.equal(locked.type, 'SalesforceLockedOut');
      } finally {
        sf.double.unblock();
      }
      sf.double.failNext({ status: 503, retryAfter: 9, path: /sobjects\/Contact/ });
      const limited = await failureOf(activities.upsertCrmRecord(write('d-4', { LastName: 'D' })));
      assert.equal(limited.nextRetryDelay, 9_000);
      const rejected = await failureOf(activities.upsertCrmRecord(write('d-5', { 'Bad-Field': 'x' })));
      assert.equal(rejected.nonRetryable, true);
      assert.equal(rejected.type, 'CrmWriteRejected');
    });

    it('waits out lost permissions, answered as Salesforce answers them while the session is valid', async () => {
      const refusals: [() => void, string][] = [
        [() => sf.double.revokeAccess('Contact', 'edit'), '400 INSUFFICIENT_ACCESS_OR_READONLY'],
        // No read access: the object is invisible, as if it did not exist.
        [() => sf.double.revokeAccess('Contact', 'read'), '404 NOT_FOUND'],
        [() => sf.double.disableApi('user'), '403 API_CURRENTLY_DISABLED'],
        [() => sf.double.disableApi('org'), '403 API_DISABLED_FOR_ORG'],
      ];
      for (const [revoke, answer] of refusals) {
        revoke();
        try {
          const failure = await failureOf(activities.upsertCrmRecord(write('d-acl', { LastName: 'Acl' })));
          assert.match(failure.message, new RegExp(`Salesforce answered ${answer}`));
          assert.equal(failure.type, 'SalesforceLockedOut', answer);
          assert.equal(failure.nonRetryable, false, answer);
        } finally {
          sf.double.restoreAccess();
        }
      }
      assert.equal((await activities.upsertCrmRecord(write('d-acl', { LastName: 'Acl' }))).created, false);
    });

    it('sets aside a write without a required field or on a field that is not an External ID', async () => {
      const missing = await failureOf(
        activities.upsertCrmRecord({ ...write('d-req', { Title: 'Buyer' }), externalId: 'direct-new' }),
      );
      assert.equal(missing.type, 'CrmWriteRejected');
      assert.match(missing.message, /400 REQUIRED_FIELD_MISSING: Required fields are missing: \[LastName\]/);
      const notExternal = await failureOf(
        activities.upsertCrmRecord({ ...write('d-ext', { LastName: 'X' }), externalIdField: 'Email' }),
      );
      assert.equal(notExternal.type, 'CrmWriteRejected');
      assert.match(notExternal.message, /400 INVALID_FIELD: Field name provided, Email does not match/);
      assert.ok(!sf.double.all('Contact').some((c) => c.Shop_Customer_Id__c === 'direct-new'));
    });

    it("holds back while the org's daily API usage is inside the reserve", async () => {
      const saved = sf.double.apiUsed;
      sf.double.apiUsed = 95_000;
      try {
        await activities.upsertCrmRecord(write('d-6', { LastName: 'E' }));
        const upserts = sf.double.upserts.length;
        const held = await failureOf(activities.upsertCrmRecord(write('d-7', { LastName: 'F' })));
        assert.equal(held.type, 'SalesforceApiReserve');
        assert.equal(held.nextRetryDelay, '5m');
        assert.match(held.message, /4999 of 100000 daily API requests left, below the 10% reserve/);
        assert.equal(sf.double.upserts.length, upserts, 'nothing sent');
      } finally {
        sf.double.apiUsed = saved;
      }
    });
  });

  it('fails a step whose configuration file is broken, naming file, line and field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockout-baseline-'));
    const file = join(dir, 'baseline.yaml');
    writeFileSync(file, 'permissionSets:\n  - Order_Sync\nobjectPermissions:\n  Order: [read, write]\n');
    const broken = createActivities(
      testDeps(mail.url, {
        salesforce: shippedSalesforceDeps(session, {
          permissionBaselineFile: file,
          procurementPackDir: PACK,
        }),
      }),
    );
    const failure = await failureOf(broken.compareIntegrationPermissions(input('acl')));
    assert.equal(failure.nonRetryable, true);
    assert.equal(failure.type, 'ConfigurationError');
    assert.ok(failure.message.startsWith(`${file}:4  objectPermissions.Order.1:`), failure.message);
  });

  describe('key accounts', () => {
    it('finds key accounts by revenue or open opportunity, with procurement contacts (masked)', async () => {
      const result = await activities.findKeyAccounts(input('key-accounts'));
      const accounts = result.data?.accounts as {
        name: string;
        contacts: { name: string; email: string }[];
      }[];
      assert.deepEqual(
        accounts.map((a) => [a.name, a.contacts.map((c) => `${c.name} <${c.email}>`)]),
        [
          ['Globex', ['Greta Buyer <g***@globex.example>']],
          ['Initech', ['Ivy Sourcing <i***@initech.example>']],
        ],
      );
      assert.equal(result.ok, true);
    });

    it('opens one Case per key account and posts to its Chatter feed mentioning the owner, refreshing an expired session', async () => {
      await activities.checkSalesforceLimits(input('limits')); // the session has a token…
      sf.double.expireSessions(); // …that Salesforce no longer accepts
      const requestsBefore = sf.double.requests.length;
      const first = await activities.notifyKeyAccounts(input('notify-key-accounts', {}, 'lockout-notify-1'));
      assert.equal(first.ok, true, first.summary);
      const cases = sf.double.all('Case');
      assert.deepEqual(
        cases.map((c) => c.AccountId),
        [org.accounts.globex, org.accounts.initech],
      );
      assert.match(String(cases[0]!.Subject), /^\[SEV1\] Integration lockout may affect Globex: /);
      assert.equal(cases[0]!.Priority, 'High');
      const post = sf.double.feedItems(org.accounts.globex)[0]!;
      assert.deepEqual(post.Mentions, [org.ownerIds.ana]);
      assert.match(String(post.Body), new RegExp(`Case ${cases[0]!.Id} has the details`));
      assert.deepEqual(
        sf.double.requests
          .slice(requestsBefore, requestsBefore + 3)
          .map((r) => [r.path.replace(/.*\/services/, ''), r.status]),
        [
          ['/data/v62.0/query', 401],
          ['/oauth2/token', 200],
          ['/data/v62.0/query', 200],
        ],
        '401 INVALID_SESSION_ID, a new token, the same call again',
      );
      assert.equal(sf.double.requests.slice(requestsBefore).filter((r) => r.status === 401).length, 1);

      // A retry of the same step: same Cases, no second post.
      sf.double.failNext({ status: 503, retryAfter: 3, path: /sobjects\/Case/ });
      const limited = await failureOf(
        activities.notifyKeyAccounts(input('notify-key-accounts', {}, 'lockout-notify-1')),
      );
      assert.equal(limited.nextRetryDelay, 3_000);
      const retried = await activities.notifyKeyAccounts(
        input('notify-key-accounts', {}, 'lockout-notify-1'),
      );
      assert.match(retried.summary, /0 new Case\(s\), 2 already open/);
      assert.equal(sf.double.all('Case').length, 2);
      assert.equal(sf.double.feedItems(org.accounts.globex).length, 1);
      assert.equal(sf.double.feedItems(org.accounts.initech).length, 1);
    });

    it('sends the procurement letter with every pack document attached, Message-IDs recorded', async () => {
      mail.messages.splice(0);
      const result = await activities.sendProcurementPack(input('procurement-pack', {}, 'lockout-proc-1'));
      assert.equal(result.ok, true, result.summary);
      const deliveries = result.data?.deliveries as {
        contactName: string;
        messageId: string;
        address: string;
      }[];
      assert.deepEqual(
        deliveries.map((d) => [d.contactName, d.address]),
        [
          ['Greta Buyer', 'g***@globex.example'],
          ['Ivy Sourcing', 'i***@initech.example'],
        ],
      );
      const letters = await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'procurement-pack', 2);
      const toGreta = letters.find((m) => m.to.includes('greta.buyer@globex.example'))!;
      assert.equal(toGreta.messageId, deliveries[0]!.messageId);
      assert.match(toGreta.subject, /vendor-assessment documents \(Globex\)/);
      assert.match(toGreta.text, /Dear Greta Buyer,/);
      assert.deepEqual(
        toGreta.attachments.map((a) => a.filename),
        ['incident-response-summary.md', 'security-controls-overview.md'],
      );
      const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      assert.equal(
        sha(toGreta.attachments[0]!.content),
        sha(readFileSync(join(PACK, 'incident-response-summary.md'))),
      );
      assert.ok(!letters.some((m) => m.to.includes('gus@globex.example')), 'engineers are not procurement');
    });

    it('refuses a procurement pack with no documents, naming the folder', async () => {
      const empty = mkdtempSync(join(tmpdir(), 'lockout-pack-'));
      const failure = await failureOf(
        createActivities(testDeps(mail.url, { salesforce: sfDeps(session, empty) })).sendProcurementPack(
          input('procurement-pack'),
        ),
      );
      assert.equal(failure.nonRetryable, true);
      assert.ok(failure.message.includes(empty));
    });

    it('reports a Case refused for lost permissions as access denied, not as a bad request', async () => {
      sf.double.revokeAccess('Case', 'create', 'edit');
      try {
        const failure = await failureOf(
          activities.notifyKeyAccounts(input('notify-key-accounts', {}, 'lockout-acl-cases')),
        );
        assert.equal(failure.nonRetryable, true);
        assert.equal(failure.type, 'SalesforceAccessDenied');
        assert.match(failure.message, /400 INSUFFICIENT_ACCESS_OR_READONLY/);
      } finally {
        sf.double.restoreAccess();
      }
    });
  });
});
