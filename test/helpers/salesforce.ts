/**
 * A Salesforce double with a connected app and an integration user, and settings for each OAuth
 * flow pointing at it: what the tests hand to the real jsforce-based session.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SalesforceSettings } from '../../config/salesforce-env';
import { SalesforceSession } from '../../salesforce/session';
import { startSalesforceDouble, type SalesforceDouble } from '../doubles/salesforce';

export const CLIENT_ID = '3MVG9test.consumer.key';
export const CLIENT_SECRET = 'test-consumer-secret-0123456789';
export const INTEGRATION_USERNAME = 'integration@shop.example';

export interface SalesforceFixture {
  double: SalesforceDouble;
  integrationUserId: string;
  privateKeyFile: string;
  refreshToken: string;
  settings(flow?: SalesforceSettings['flow']['kind']): SalesforceSettings;
  session(flow?: SalesforceSettings['flow']['kind']): SalesforceSession;
}

export async function startSalesforce(
  options?: Parameters<typeof startSalesforceDouble>[0],
): Promise<SalesforceFixture> {
  const double = await startSalesforceDouble(options);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dir = mkdtempSync(join(tmpdir(), 'lockout-sf-'));
  const privateKeyFile = join(dir, 'server.key');
  writeFileSync(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const integrationUserId = double.insert('User', {
    Username: INTEGRATION_USERNAME,
    Name: 'Storefront Integration',
    IsActive: true,
  });
  double.registerApp({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    runAsUserId: integrationUserId,
  });
  const refreshToken = double.issueRefreshToken(CLIENT_ID, integrationUserId);
  const settings = (kind: SalesforceSettings['flow']['kind'] = 'jwt-bearer'): SalesforceSettings => ({
    loginUrl: double.url,
    apiVersion: '62.0',
    clientId: CLIENT_ID,
    sessionTimeoutMs: 2 * 3_600_000,
    flow:
      kind === 'jwt-bearer'
        ? { kind, username: INTEGRATION_USERNAME, privateKeyFile, audience: double.url }
        : kind === 'client-credentials'
          ? { kind, clientSecret: CLIENT_SECRET }
          : { kind, refreshToken, clientSecret: CLIENT_SECRET },
  });
  return {
    double,
    integrationUserId,
    privateKeyFile,
    refreshToken,
    settings,
    session: (kind) => new SalesforceSession(settings(kind)),
  };
}
