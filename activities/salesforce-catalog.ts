/**
 * The Salesforce activities a runbook may call, with their arguments (merged into
 * RUNBOOK_ACTIVITIES by catalog.ts). Implementations: salesforce-diagnostics.ts,
 * salesforce-remediation.ts, key-accounts.ts, procurement.ts.
 */
import { z } from 'zod';
import { Duration } from '../domain/runbook';
import type { CatalogEntry } from './runbook-activity';

const NoArgs = z.object({}).strict();
const SalesforceId = z
  .string()
  .regex(/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/, 'must be a 15- or 18-character Salesforce id');
const AccountIds = z.array(SalesforceId).min(1).max(200);

export const SalesforceArgs = {
  checkSalesforceAuth: z
    .object({
      /** ok: false when a credential that does not renew itself expires within this. */
      warnWithin: Duration.default('72h'),
    })
    .strict(),
  checkSalesforceCertificates: z.object({ warnWithin: Duration.default('72h') }).strict(),
  checkSalesforceLimits: z.object({ minRemainingPercent: z.number().min(0).max(100).default(10) }).strict(),
  checkSalesforceConnectivity: NoArgs,
  compareIntegrationPermissions: NoArgs,
  fetchSetupAuditTrail: z
    .object({
      /** Start of the window (ISO 8601); default: `lookback` before now. */
      since: z.iso.datetime({ offset: true }).optional(),
      lookback: Duration.default('24h'),
      limit: z.number().int().min(1).max(2000).default(200),
    })
    .strict(),
  refreshSalesforceToken: NoArgs,
  assignPermissionSet: z
    .object({
      /** API name; omitted: every baseline permission set the integration user lacks. */
      permissionSet: z
        .string()
        .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be a permission set API name')
        .optional(),
    })
    .strict(),
  findKeyAccounts: NoArgs,
  notifyKeyAccounts: z
    .object({
      /** Exactly these accounts; omitted: every key account by the configured criteria. */
      accountIds: AccountIds.optional(),
      template: z.string().min(1).default('key-account-case'),
    })
    .strict(),
  sendProcurementPack: z
    .object({
      accountIds: AccountIds.optional(),
      template: z.string().min(1).default('procurement-letter'),
    })
    .strict(),
};

export const SALESFORCE_CATALOG: Record<keyof typeof SalesforceArgs, CatalogEntry> = {
  checkSalesforceAuth: {
    description:
      'Salesforce auth health: the integration gets a token and it works; time to expiry of the token and of the JWT certificate',
    args: SalesforceArgs.checkSalesforceAuth,
    risky: false,
  },
  checkSalesforceCertificates: {
    description:
      "The org's certificates (Certificate and Key Management, Tooling API): expired or expiring within warnWithin",
    args: SalesforceArgs.checkSalesforceCertificates,
    risky: false,
  },
  checkSalesforceLimits: {
    description: 'Salesforce org limits (/limits): daily API requests remaining',
    args: SalesforceArgs.checkSalesforceLimits,
    risky: false,
  },
  checkSalesforceConnectivity: {
    description: 'Salesforce reachable: token endpoint and instance answer, configured API version offered',
    args: SalesforceArgs.checkSalesforceConnectivity,
    risky: false,
  },
  compareIntegrationPermissions: {
    description:
      "The integration user's permission sets and object permissions compared with the committed baseline (ACL drift)",
    args: SalesforceArgs.compareIntegrationPermissions,
    risky: false,
  },
  fetchSetupAuditTrail: {
    description: 'Setup Audit Trail entries in the incident window, security-relevant sections flagged',
    args: SalesforceArgs.fetchSetupAuditTrail,
    risky: false,
  },
  refreshSalesforceToken: {
    description: 'Re-issue the integration access token with the configured OAuth flow',
    args: SalesforceArgs.refreshSalesforceToken,
    risky: true,
  },
  assignPermissionSet: {
    description: 'Assign a baseline permission set back to the integration user (only sets in the baseline)',
    args: SalesforceArgs.assignPermissionSet,
    risky: true,
  },
  findKeyAccounts: {
    description: 'Key accounts by the configured SOQL criteria, with their procurement contacts',
    args: SalesforceArgs.findKeyAccounts,
    risky: false,
    regional: true,
  },
  notifyKeyAccounts: {
    description: 'A Case on each affected key account and a Chatter post for its account team (idempotent)',
    args: SalesforceArgs.notifyKeyAccounts,
    risky: false,
    regional: true,
  },
  sendProcurementPack: {
    description:
      'Email the procurement letter with the vendor-assessment pack attached to the procurement contacts of key accounts',
    args: SalesforceArgs.sendProcurementPack,
    risky: true,
    regional: true,
  },
};
