/**
 * A Salesforce double with a connected app and an integration user, and settings for each OAuth
 * flow pointing at it: what the tests hand to the real jsforce-based session.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SalesforceSettings } from '../../config/salesforce-env';
import { salesforceDeps, type SalesforceDepsOptions } from '../../salesforce/deps';
import { SalesforceSession } from '../../salesforce/session';
import { startSalesforceDouble, type SalesforceDouble } from '../doubles/salesforce';

const ROOT = resolve(__dirname, '..', '..');

/** The Salesforce activities' dependencies on the shipped configuration files, through `session`. */
export function shippedSalesforceDeps(
  session: SalesforceSession | undefined,
  overrides: Partial<SalesforceDepsOptions> = {},
) {
  return salesforceDeps({
    session,
    permissionBaselineFile: join(ROOT, 'config', 'salesforce-permission-baseline.yaml'),
    keyAccountsFile: join(ROOT, 'config', 'salesforce-key-accounts.yaml'),
    templatesDir: join(ROOT, 'templates', 'salesforce'),
    procurementPackDir: join(ROOT, 'config', 'procurement-pack'),
    apiReservePercent: 10,
    ...overrides,
  });
}

export const CLIENT_ID = '3MVG9test.consumer.key';
export const CLIENT_SECRET = 'test-consumer-secret-0123456789';
export const INTEGRATION_USERNAME = 'integration@shop.example';

export interface SalesforceFixture {
  double: SalesforceDouble;
  integrationUserId: string;
  privateKeyFile: string;
  refreshToken: string;
  settings(flow?: SalesforceSettings['flow']['kind']): SalesforceSettings;
  /** Without the token-refusal cooldown unless one is given, so tests can unblock at once. */
  session(flow?: SalesforceSettings['flow']['kind'], refusalCooldownMs?: number): SalesforceSession;
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
    session: (kind, refusalCooldownMs = 0) => new SalesforceSession(settings(kind), refusalCooldownMs),
  };
}

export interface SeededOrg {
  ownerIds: { ana: string; ben: string };
  permissionSets: Record<string, string>;
  accounts: { globex: string; initech: string; umbrella: string; smallco: string };
  contacts: { globexBuyer: string; initechBuyer: string; globexEngineer: string };
}

/**
 * An org like a storefront's: the integration user with a profile, one of its two baseline
 * permission sets (Order_Sync is missing) and one extra; key accounts by revenue (Globex) and by
 * an open opportunity (Initech); Setup Audit Trail entries around "now".
 */
export function seedOrg(double: SalesforceDouble, integrationUserId: string): SeededOrg {
  const ana = double.insert('User', {
    Username: 'ana.owner@shop.example',
    Name: 'Ana Owner',
    IsActive: true,
  });
  const ben = double.insert('User', {
    Username: 'ben.owner@shop.example',
    Name: 'Ben Owner',
    IsActive: true,
  });
  const profile = double.insert('PermissionSet', {
    Name: 'X00ex00000018ozh_128_09_04_12_1',
    IsOwnedByProfile: true,
  });
  const permissionSets: Record<string, string> = {};
  for (const name of ['Storefront_Integration', 'Order_Sync', 'Marketing_Admin']) {
    permissionSets[name] = double.insert('PermissionSet', { Name: name, IsOwnedByProfile: false });
  }
  for (const set of [profile, permissionSets.Storefront_Integration!, permissionSets.Marketing_Admin!]) {
    double.insert('PermissionSetAssignment', { AssigneeId: integrationUserId, PermissionSetId: set });
  }
  const grant = (parentId: string, object: string, p: Partial<Record<string, boolean>>) =>
    double.insert('ObjectPermissions', {
      ParentId: parentId,
      SobjectType: object,
      PermissionsRead: p.read ?? false,
      PermissionsCreate: p.create ?? false,
      PermissionsEdit: p.edit ?? false,
      PermissionsDelete: p.delete ?? false,
      PermissionsViewAllRecords: false,
      PermissionsModifyAllRecords: false,
    });
  grant(profile, 'Product2', { read: true });
  grant(profile, 'Account', { read: true });
  for (const object of ['Account', 'Contact', 'Case']) {
    grant(permissionSets.Storefront_Integration!, object, { read: true, create: true, edit: true });
  }
  grant(permissionSets.Storefront_Integration!, 'Order', { read: true });
  grant(permissionSets.Order_Sync!, 'Order', { read: true, create: true, edit: true });
  grant(permissionSets.Marketing_Admin!, 'Contact', { delete: true });

  const globex = double.insert('Account', { Name: 'Globex', AnnualRevenue: 50_000_000, OwnerId: ana });
  const initech = double.insert('Account', { Name: 'Initech', AnnualRevenue: 2_000_000, OwnerId: ben });
  const umbrella = double.insert('Account', { Name: 'Umbrella', AnnualRevenue: 1_000_000, OwnerId: ben });
  const smallco = double.insert('Account', { Name: 'SmallCo', AnnualRevenue: null, OwnerId: ana });
  double.insert('Opportunity', {
    AccountId: initech,
    IsClosed: false,
    Amount: 400_000,
    Name: 'Initech renewal',
  });
  double.insert('Opportunity', {
    AccountId: umbrella,
    IsClosed: true,
    Amount: 900_000,
    Name: 'Umbrella (won)',
  });
  double.insert('Opportunity', { AccountId: smallco, IsClosed: false, Amount: 5_000, Name: 'SmallCo trial' });
  const contact = (accountId: string, name: string, title: string, email: string | null) =>
    double.insert('Contact', { AccountId: accountId, Name: name, Title: title, Email: email });
  const globexBuyer = contact(globex, 'Greta Buyer', 'Head of Procurement', 'greta.buyer@globex.example');
  const globexEngineer = contact(globex, 'Gus Engineer', 'Platform Engineer', 'gus@globex.example');
  contact(globex, 'Gil Nomail', 'Procurement Analyst', null);
  const initechBuyer = contact(initech, 'Ivy Sourcing', 'Strategic Sourcing Lead', 'ivy@initech.example');
  contact(umbrella, 'Uma Procure', 'Procurement Manager', 'uma@umbrella.example');

  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
  const audit = (m: number, section: string, action: string, display: string) =>
    double.insert('SetupAuditTrail', {
      CreatedDate: minutesAgo(m),
      Section: section,
      Action: action,
      Display: display,
      CreatedById: ana,
      DelegateUser: null,
    });
  audit(
    30,
    'Manage Users',
    'PermSetUnassign',
    'Permission set Order_Sync: unassigned from user integration@shop.example',
  );
  audit(90, 'Customize Opportunities', 'changedOpportunityStageValues', 'Changed picklist value Closed Won');
  audit(60 * 48, 'Connected Apps', 'connectedAppChanged', 'Changed connected app Storefront: IP relaxation');

  const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
  double.insert('Certificate', {
    DeveloperName: 'Storefront_mTLS',
    MasterLabel: 'Storefront mTLS',
    ExpirationDate: inDays(2),
    KeySize: 2048,
  });
  double.insert('Certificate', {
    DeveloperName: 'SSO_Signing',
    MasterLabel: 'SSO signing',
    ExpirationDate: inDays(300),
    KeySize: 4096,
  });

  return {
    ownerIds: { ana, ben },
    permissionSets,
    accounts: { globex, initech, umbrella, smallco },
    contacts: { globexBuyer, initechBuyer, globexEngineer },
  };
}
