/**
 * Salesforce, procurement and CRM sync settings from environment variables (part of config/env.ts).
 * Salesforce is optional: without SALESFORCE_CLIENT_ID the diagnostics say "not configured" and
 * the CRM sync buffer holds writes until it is.
 */
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { duration, optionalTrimmedText } from './env-fields';

const ROOT = resolve(__dirname, '..');

/** Fields merged into the environment schema of config/env.ts. */
export const SALESFORCE_ENV = {
  SALESFORCE_LOGIN_URL: z.url().default('https://login.salesforce.com'),
  SALESFORCE_API_VERSION: z
    .string()
    .regex(/^\d{2,3}\.0$/, 'must look like 62.0')
    .default('62.0'),
  SALESFORCE_CLIENT_ID: optionalTrimmedText,
  SALESFORCE_USERNAME: optionalTrimmedText,
  SALESFORCE_PRIVATE_KEY_FILE: optionalTrimmedText,
  SALESFORCE_JWT_CERT_FILE: optionalTrimmedText,
  SALESFORCE_JWT_AUDIENCE: optionalTrimmedText.pipe(z.url().optional()),
  SALESFORCE_CLIENT_SECRET: optionalTrimmedText,
  SALESFORCE_REFRESH_TOKEN: optionalTrimmedText,
  SALESFORCE_SESSION_TIMEOUT: z.string().default('2h').pipe(duration),
  SALESFORCE_PERMISSION_BASELINE: z
    .string()
    .default(join(ROOT, 'config', 'salesforce-permission-baseline.yaml')),
  SALESFORCE_KEY_ACCOUNTS: z.string().default(join(ROOT, 'config', 'salesforce-key-accounts.yaml')),
  LOCKOUT_PROCUREMENT_PACK_DIR: z.string().default(join(ROOT, 'config', 'procurement-pack')),
  LOCKOUT_CRM_SYNC_TASK_QUEUE: optionalTrimmedText,
  LOCKOUT_CRM_SYNC_RATE: z.coerce.number().positive().max(1000).default(10),
  LOCKOUT_CRM_SYNC_API_RESERVE: z.coerce.number().min(0).max(90).default(10),
  /** Salesforce requests in flight per org across all workers (shared store only; Salesforce allows 25 long ones). */
  LOCKOUT_SALESFORCE_MAX_CONCURRENT: z.coerce.number().int().min(1).max(25).default(25),
  LOCKOUT_CRM_WRITES_TOKEN: optionalTrimmedText.pipe(
    z.string().min(16, 'must be at least 16 characters (a shared secret)').optional(),
  ),
};

type SalesforceEnv = z.infer<z.ZodObject<typeof SALESFORCE_ENV>>;

/** How the integration gets its access token: exactly one OAuth 2.0 flow. */
export type SalesforceFlow =
  | {
      kind: 'jwt-bearer';
      username: string;
      privateKeyFile: string;
      /** The certificate uploaded to the connected app: its expiry is the credential's. */
      certificateFile?: string;
      audience: string;
    }
  | { kind: 'client-credentials'; clientSecret: string }
  | { kind: 'refresh-token'; refreshToken: string; clientSecret?: string };

export interface SalesforceSettings {
  loginUrl: string;
  apiVersion: string;
  clientId: string;
  flow: SalesforceFlow;
  /** The org's session timeout: Salesforce does not say when an access token expires. */
  sessionTimeoutMs: number;
}

export interface SalesforceFiles {
  permissionBaseline: string;
  keyAccounts: string;
  procurementPackDir: string;
}

export interface CrmSyncSettings {
  taskQueue: string;
  /** Upserts per second across all sync workers (Temporal task-queue rate limit). */
  maxPerSecond: number;
  /** Share of the org's daily API requests (%) the sync leaves for everything else. */
  apiReservePercent: number;
  /** Salesforce requests in flight per org across all workers (with LOCKOUT_DATABASE_URL). */
  maxConcurrentPerOrg: number;
  /** Bearer token the storefront sends to POST /crm/writes; unset: the endpoint refuses. */
  writesToken?: string;
}

/**
 * Where the JWT's `aud` points: Salesforce wants login.salesforce.com (production) or
 * test.salesforce.com (sandboxes) even when logging in through My Domain; any other login URL
 * (a private endpoint) is its own audience.
 */
export function jwtAudience(loginUrl: string): string {
  const host = new URL(loginUrl).hostname;
  if (host === 'test.salesforce.com' || host.endsWith('.sandbox.my.salesforce.com'))
    return 'https://test.salesforce.com';
  if (host.endsWith('salesforce.com')) return 'https://login.salesforce.com';
  return new URL(loginUrl).origin;
}

/** Problems are returned (field: reason) so config/env.ts reports them with the others. */
export function salesforceSettings(e: SalesforceEnv): { settings?: SalesforceSettings; problems: string[] } {
  if (!e.SALESFORCE_CLIENT_ID) {
    const stray = (
      ['SALESFORCE_PRIVATE_KEY_FILE', 'SALESFORCE_CLIENT_SECRET', 'SALESFORCE_REFRESH_TOKEN'] as const
    ).filter((k) => e[k]);
    return {
      problems: stray.length
        ? [
            `SALESFORCE_CLIENT_ID: required when ${stray.join(', ')} is set (the connected app's consumer key)`,
          ]
        : [],
    };
  }
  const chosen = [
    e.SALESFORCE_PRIVATE_KEY_FILE && 'SALESFORCE_PRIVATE_KEY_FILE (JWT bearer)',
    e.SALESFORCE_REFRESH_TOKEN && 'SALESFORCE_REFRESH_TOKEN (refresh token)',
  ].filter(Boolean);
  if (chosen.length > 1) {
    return { problems: [`${chosen.join(', ')}: set one OAuth flow, not both`] };
  }
  let flow: SalesforceFlow;
  if (e.SALESFORCE_PRIVATE_KEY_FILE) {
    if (!e.SALESFORCE_USERNAME)
      return {
        problems: ['SALESFORCE_USERNAME: required with SALESFORCE_PRIVATE_KEY_FILE (JWT bearer flow)'],
      };
    flow = {
      kind: 'jwt-bearer',
      username: e.SALESFORCE_USERNAME,
      privateKeyFile: e.SALESFORCE_PRIVATE_KEY_FILE,
      certificateFile: e.SALESFORCE_JWT_CERT_FILE,
      audience: e.SALESFORCE_JWT_AUDIENCE ?? jwtAudience(e.SALESFORCE_LOGIN_URL),
    };
  } else if (e.SALESFORCE_REFRESH_TOKEN) {
    flow = {
      kind: 'refresh-token',
      refreshToken: e.SALESFORCE_REFRESH_TOKEN,
      clientSecret: e.SALESFORCE_CLIENT_SECRET,
    };
  } else if (e.SALESFORCE_CLIENT_SECRET) {
    flow = { kind: 'client-credentials', clientSecret: e.SALESFORCE_CLIENT_SECRET };
  } else {
    return {
      problems: [
        'SALESFORCE_CLIENT_ID: set with one flow: SALESFORCE_PRIVATE_KEY_FILE + SALESFORCE_USERNAME (JWT bearer), ' +
          'SALESFORCE_CLIENT_SECRET (client credentials) or SALESFORCE_REFRESH_TOKEN (refresh token)',
      ],
    };
  }
  return {
    settings: {
      loginUrl: e.SALESFORCE_LOGIN_URL.replace(/\/$/, ''),
      apiVersion: e.SALESFORCE_API_VERSION,
      clientId: e.SALESFORCE_CLIENT_ID,
      flow,
      sessionTimeoutMs: e.SALESFORCE_SESSION_TIMEOUT,
    },
    problems: [],
  };
}

export function salesforceFiles(e: SalesforceEnv): SalesforceFiles {
  return {
    permissionBaseline: e.SALESFORCE_PERMISSION_BASELINE,
    keyAccounts: e.SALESFORCE_KEY_ACCOUNTS,
    procurementPackDir: e.LOCKOUT_PROCUREMENT_PACK_DIR,
  };
}

export function crmSyncSettings(e: SalesforceEnv, mainTaskQueue: string): CrmSyncSettings {
  return {
    taskQueue: e.LOCKOUT_CRM_SYNC_TASK_QUEUE ?? `${mainTaskQueue}-crm-sync`,
    maxPerSecond: e.LOCKOUT_CRM_SYNC_RATE,
    apiReservePercent: e.LOCKOUT_CRM_SYNC_API_RESERVE,
    maxConcurrentPerOrg: e.LOCKOUT_SALESFORCE_MAX_CONCURRENT,
    writesToken: e.LOCKOUT_CRM_WRITES_TOKEN,
  };
}
