import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../config/env';
import { jwtAudience } from '../config/salesforce-env';
import { loadYamlFile } from '../lib/yaml-file';
import { KeyAccountCriteria } from '../salesforce/key-accounts';
import { loadSalesforceTemplates } from '../salesforce/templates';
import { callSalesforce, parseRetryAfter, query, SalesforceApiError } from '../salesforce/api';
import { SalesforceSession } from '../salesforce/session';
import { TokenRefused } from '../salesforce/token';
import { startSalesforce, type SalesforceFixture } from './helpers/salesforce';

describe('Salesforce connection through jsforce (loopback Salesforce)', () => {
  let sf: SalesforceFixture;
  before(async () => {
    sf = await startSalesforce();
  });
  after(() => sf?.double.close());

  for (const flow of ['jwt-bearer', 'client-credentials', 'refresh-token'] as const) {
    it(`authenticates with the ${flow} flow and calls the REST API as the integration user`, async () => {
      const session = sf.session(flow);
      const limits = await callSalesforce<{ DailyApiRequests: { Max: number } }>(session, {
        method: 'GET',
        path: '/limits',
      });
      assert.equal(limits.DailyApiRequests.Max, 100_000);
      const token = session.tokenState()!;
      assert.equal(token.flow, flow);
      assert.equal(token.userId, sf.integrationUserId);
      assert.equal(token.orgId, sf.double.orgId);
      assert.equal(Date.parse(token.expiresAt) - Date.parse(token.issuedAt), 2 * 3_600_000);
      assert.ok(session.apiUsage && session.apiUsage.limit === 100_000, 'Sforce-Limit-Info recorded');
    });
  }

  it('refreshes the token on 401 INVALID_SESSION_ID and retries the call once', async () => {
    const session = sf.session('jwt-bearer');
    await callSalesforce(session, { method: 'GET', path: '/limits' });
    const grantsBefore = sf.double.tokenGrants.length;
    sf.double.expireSessions();
    const limits = await callSalesforce<{ DailyApiRequests: unknown }>(session, {
      method: 'GET',
      path: '/limits',
    });
    assert.ok(limits.DailyApiRequests);
    assert.equal(session.tokenState()!.refreshes, 1);
    assert.equal(sf.double.tokenGrants.length, grantsBefore + 1);
    const statuses = sf.double.requests
      .filter((r) => r.path.endsWith('/limits'))
      .slice(-2)
      .map((r) => r.status);
    assert.deepEqual(statuses, [401, 200]);
  });

  it('refuses a JWT signed with another key: invalid_grant, no token', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const settings = sf.settings('jwt-bearer');
    const otherKey = `${sf.privateKeyFile}.other`;
    writeFileSync(otherKey, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    if (settings.flow.kind === 'jwt-bearer') settings.flow.privateKeyFile = otherKey;
    const session = new SalesforceSession(settings);
    await assert.rejects(session.connection(), (err: Error) => {
      assert.ok(err instanceof TokenRefused);
      assert.match(err.message, /invalid_grant: invalid assertion/);
      return true;
    });
    assert.equal(session.tokenState(), undefined);
  });

  it('refuses a wrong client secret and an unknown refresh token with the OAuth error', async () => {
    const cc = sf.settings('client-credentials');
    if (cc.flow.kind === 'client-credentials') cc.flow.clientSecret = 'wrong';
    await assert.rejects(
      new SalesforceSession(cc).connection(),
      /invalid_client: invalid client credentials/,
    );
    const rt = sf.settings('refresh-token');
    if (rt.flow.kind === 'refresh-token') rt.flow.refreshToken = 'revoked';
    await assert.rejects(
      new SalesforceSession(rt).connection(),
      /invalid_grant: expired access\/refresh token/,
    );
  });

  it('reports REQUEST_LIMIT_EXCEEDED (403) and 503 with status, error code and Retry-After', async () => {
    const session = sf.session('client-credentials');
    sf.double.failNext({ status: 403, path: /limits/ });
    sf.double.failNext({ status: 503, path: /limits/ });
    sf.double.failNext({ status: 503, retryAfter: 7, path: /limits/ });
    const failures: SalesforceApiError[] = [];
    for (let i = 0; i < 3; i++) {
      await callSalesforce(session, { method: 'GET', path: '/limits' }).catch((e: SalesforceApiError) =>
        failures.push(e),
      );
    }
    assert.deepEqual(
      failures.map((f) => [f.status, f.errorCode, f.retryAfterMs]),
      [
        [403, 'REQUEST_LIMIT_EXCEEDED', undefined],
        [503, 'SERVER_UNAVAILABLE', undefined],
        [503, 'SERVER_UNAVAILABLE', 7000],
      ],
    );
  });

  it('while locked out: the refresh is refused and the call fails as SESSION_REFRESH_FAILED', async () => {
    const session = sf.session('jwt-bearer');
    await callSalesforce(session, { method: 'GET', path: '/limits' });
    sf.double.lockOut();
    try {
      await assert.rejects(
        callSalesforce(session, { method: 'GET', path: '/limits' }),
        (err: SalesforceApiError) => {
          assert.equal(err.errorCode, 'SESSION_REFRESH_FAILED');
          assert.match(err.message, /authentication failure/);
          return true;
        },
      );
    } finally {
      sf.double.unblock();
    }
    await callSalesforce(session, { method: 'GET', path: '/limits' });
  });

  it('after a refused token, asks the token endpoint again only after the cooldown (login limits)', async () => {
    const session = sf.session('jwt-bearer', 60_000);
    await callSalesforce(session, { method: 'GET', path: '/limits' });
    sf.double.lockOut();
    const grants = () => sf.double.tokenGrants.length;
    const before = grants();
    try {
      for (let i = 0; i < 5; i++) {
        await assert.rejects(
          callSalesforce(session, { method: 'GET', path: '/limits' }),
          /authentication failure/,
        );
      }
      assert.equal(grants(), before + 1, 'one token request for five refused calls');
    } finally {
      sf.double.unblock();
    }
    await assert.rejects(
      callSalesforce(session, { method: 'GET', path: '/limits' }),
      /authentication failure/,
    );
    assert.equal(grants(), before + 1, 'still cooling down');
    await session.reissue();
    await callSalesforce(session, { method: 'GET', path: '/limits' });
    assert.equal(grants(), before + 2, 'an explicit re-issue does not wait');
  });

  it('follows nextRecordsUrl through every page of a query', async () => {
    sf.double.queryBatchSize = 2;
    try {
      for (let i = 0; i < 5; i++) sf.double.insert('Account', { Name: `Paged ${i}`, AnnualRevenue: i });
      const rows = await query<{ Name: string }>(
        sf.session('client-credentials'),
        "SELECT Name FROM Account WHERE Name LIKE 'Paged%' ORDER BY AnnualRevenue DESC",
      );
      assert.deepEqual(
        rows.map((r) => r.Name),
        ['Paged 4', 'Paged 3', 'Paged 2', 'Paged 1', 'Paged 0'],
      );
    } finally {
      sf.double.queryBatchSize = 2000;
    }
  });

  // What a real org answers, so code that names a field or version the org lacks fails here too.
  it('refuses unknown fields, sObjects, API versions and missing required fields as Salesforce does', async () => {
    const session = sf.session('client-credentials');
    const answer = (p: Promise<unknown>) =>
      p.then(
        () => assert.fail('expected Salesforce to refuse'),
        (e: SalesforceApiError) => `${e.status} ${e.errorCode}`,
      );
    assert.equal(await answer(query(session, 'SELECT Id, Nickname FROM Account')), '400 INVALID_FIELD');
    assert.equal(
      await answer(query(session, 'SELECT Id FROM Account ORDER BY Bogus__c')),
      '400 INVALID_FIELD',
    );
    assert.equal(await answer(query(session, 'SELECT Id, Boss.Name FROM Account')), '400 INVALID_FIELD');
    assert.equal(await answer(query(session, 'SELECT Id FROM Acount')), '400 INVALID_TYPE');
    const post = (path: string, body: unknown) => callSalesforce(session, { method: 'POST', path, body });
    assert.equal(await answer(post('/sobjects/Contact', { FirstName: 'No' })), '400 REQUIRED_FIELD_MISSING');
    assert.equal(await answer(post('/sobjects/Acount', { Name: 'X' })), '404 NOT_FOUND');
    assert.equal(
      await answer(callSalesforce(session, { method: 'GET', path: '/services/data/v99.0/limits' })),
      '404 NOT_FOUND',
    );
    const patch = (field: string) =>
      callSalesforce(session, {
        method: 'PATCH',
        path: `/sobjects/Contact/${field}/k-1`,
        body: { LastName: 'K' },
      });
    assert.equal(await answer(patch('No_Such_Key__c')), '404 NOT_FOUND');
    assert.equal(await answer(patch('Email')), '400 INVALID_FIELD');
    sf.double.revokeAccess('Account', 'read');
    try {
      assert.equal(await answer(query(session, 'SELECT Id FROM Account')), '400 INVALID_TYPE');
    } finally {
      sf.double.restoreAccess();
    }
    assert.deepEqual(await query(session, "SELECT Id, Name FROM Account WHERE Name = 'none'"), []);
  });
});

describe('Salesforce configuration', () => {
  const base = { SALESFORCE_CLIENT_ID: 'abc' };
  it('picks the flow from the variables set', () => {
    const jwt = loadConfig({
      ...base,
      SALESFORCE_PRIVATE_KEY_FILE: '/k.pem',
      SALESFORCE_USERNAME: 'u@x',
    }).salesforce;
    assert.equal(jwt?.flow.kind, 'jwt-bearer');
    assert.equal(
      loadConfig({ ...base, SALESFORCE_CLIENT_SECRET: 's' }).salesforce?.flow.kind,
      'client-credentials',
    );
    assert.equal(
      loadConfig({ ...base, SALESFORCE_REFRESH_TOKEN: 'r' }).salesforce?.flow.kind,
      'refresh-token',
    );
    assert.equal(loadConfig({}).salesforce, undefined);
  });

  it('names the variable and the reason when the combination is wrong', () => {
    const problems = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig(env);
        return '';
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.message;
      }
    };
    assert.match(problems(base), /SALESFORCE_CLIENT_ID: set with one flow/);
    assert.match(problems({ ...base, SALESFORCE_PRIVATE_KEY_FILE: '/k' }), /SALESFORCE_USERNAME: required/);
    assert.match(
      problems({
        ...base,
        SALESFORCE_PRIVATE_KEY_FILE: '/k',
        SALESFORCE_USERNAME: 'u',
        SALESFORCE_REFRESH_TOKEN: 'r',
      }),
      /set one OAuth flow, not both/,
    );
    assert.match(
      problems({ SALESFORCE_CLIENT_SECRET: 's' }),
      /SALESFORCE_CLIENT_ID: required when SALESFORCE_CLIENT_SECRET/,
    );
    assert.match(
      problems({ ...base, SALESFORCE_CLIENT_SECRET: 's', SALESFORCE_SESSION_TIMEOUT: 'soon' }),
      /SALESFORCE_SESSION_TIMEOUT: "soon" is not a duration/,
    );
  });

  it('sends the JWT to login/test.salesforce.com for Salesforce hosts, else to the login URL itself', () => {
    assert.equal(jwtAudience('https://acme.my.salesforce.com'), 'https://login.salesforce.com');
    assert.equal(jwtAudience('https://acme--uat.sandbox.my.salesforce.com'), 'https://test.salesforce.com');
    assert.equal(jwtAudience('http://127.0.0.1:4000/'), 'http://127.0.0.1:4000');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('120'), 120_000);
    assert.equal(
      parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')),
      10_000,
    );
    assert.equal(parseRetryAfter('soon'), undefined);
  });
});

describe('key-account criteria file', () => {
  it('checks the SOQL conditions when loading, naming the line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockout-ka-'));
    const file = join(dir, 'key-accounts.yaml');
    writeFileSync(
      file,
      [
        'accounts:',
        "  where: AnnualRevenue >= 'lots' AND (",
        'procurementContacts:',
        "  where: Title LIKE '%Procurement%' LIMIT 5",
        'cases:',
        '  externalIdField: Lockout_Key',
      ].join('\n'),
    );
    assert.throws(
      () => loadYamlFile(file, KeyAccountCriteria),
      (err: Error) => {
        assert.match(err.message, /:2 {2}accounts\.where: not a valid SOQL condition for Account/);
        assert.match(
          err.message,
          /:4 {2}procurementContacts\.where: only the condition: no ORDER BY, LIMIT or ";"/,
        );
        assert.match(err.message, /:6 {2}cases\.externalIdField: must be a custom field API name/);
        return true;
      },
    );
    assert.doesNotThrow(() =>
      loadYamlFile(join(__dirname, '..', 'config', 'salesforce-key-accounts.yaml'), KeyAccountCriteria),
    );
  });
});

describe('Salesforce templates (templates/salesforce/)', () => {
  it('load the shipped ones, and refuse a misspelt variable naming file and part', () => {
    const shipped = loadSalesforceTemplates(join(__dirname, '..', 'templates', 'salesforce'));
    assert.deepEqual([...shipped.keys()], ['key-account-case', 'procurement-letter']);
    const dir = mkdtempSync(join(tmpdir(), 'lockout-sf-templates-'));
    writeFileSync(
      join(dir, 'broken.yaml'),
      "subject: 'For {{acount.name}}'\ntext: Hello {{recipient.name}}\n",
    );
    assert.throws(
      () => loadSalesforceTemplates(dir),
      (err: Error) => {
        assert.match(
          err.message,
          /broken\.yaml {2}subject: .*not defined.*: the context has only incident\./,
        );
        return true;
      },
    );
    assert.throws(
      () => loadSalesforceTemplates(join(dir, 'missing')),
      /missing {2}\(document\): cannot read: ENOENT/,
    );
  });
});
