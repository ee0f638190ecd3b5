/**
 * Two sources for the expiry watch (expiry/expiry-sources.ts) that verify controls rather than
 * dates, so they run at the watch's cadence and a high-risk period's: the integration user's
 * permissions against the baseline (A.5.15, A.5.18; drift is an acl-misconfiguration lockout)
 * and the org's setup audit trail being readable (A.8.15, A.8.16; refused is an
 * audit-log-failure). Neither looks when Salesforce is not configured.
 */
import type { ExpiryObservation } from '../domain/expiry';
import type { ExpirySource } from '../expiry/expiry-sources';
import { SalesforceApiError } from './api';
import { readAuditTrail } from './audit-trail';
import type { SalesforceDeps } from './deps';
import { comparePermissions, describeDrift, readPermissions } from './permissions';

const DAY_MS = 86_400_000;
/** Answers that mean the integration may not read the trail: a control failure, not an outage. */
const REFUSED_CODES = [
  'INSUFFICIENT_ACCESS',
  'INSUFFICIENT_ACCESS_OR_READONLY',
  'INVALID_TYPE',
  'API_DISABLED_FOR_ORG',
];

export function salesforcePermissionSource(sf: SalesforceDeps | undefined): ExpirySource {
  return {
    name: 'salesforce-permissions',
    async check(): Promise<ExpiryObservation[]> {
      const session = sf?.session;
      if (!session) return [];
      const seen = {
        source: 'salesforce-permissions',
        subject: 'integration-user',
        label: 'Salesforce integration user permissions',
        pattern: 'acl-misconfiguration',
        region: 'global',
      } as const;
      try {
        const baseline = sf.permissionBaseline();
        await session.connection();
        const userId = session.tokenState()!.userId;
        const drift = comparePermissions(baseline, await readPermissions(session, userId));
        const missing = drift.missingPermissionSets.length + drift.missingObjectPermissions.length;
        const detail = `integration user ${userId}: ${describeDrift(drift)}`;
        return [
          missing
            ? { ...seen, invalid: { code: 'PERMISSION_DRIFT', reason: detail } }
            : { ...seen, verified: detail },
        ];
      } catch (err) {
        return [{ ...seen, unchecked: (err as Error).message }];
      }
    },
  };
}

export function salesforceAuditTrailSource(sf: SalesforceDeps | undefined): ExpirySource {
  return {
    name: 'salesforce-audit-trail',
    async check(): Promise<ExpiryObservation[]> {
      const session = sf?.session;
      if (!session) return [];
      const seen = {
        source: 'salesforce-audit-trail',
        subject: 'setup-audit-trail',
        label: 'Salesforce setup audit trail',
        pattern: 'audit-log-failure',
        region: 'global',
      } as const;
      try {
        const until = new Date();
        const entries = await readAuditTrail(
          session,
          { from: new Date(until.getTime() - DAY_MS), until },
          200,
        );
        const newest = entries[0]?.at;
        return [
          {
            ...seen,
            verified:
              `readable: ${entries.length}${entries.length === 200 ? '+' : ''} setup change(s) in the last 24 h` +
              (newest ? `, newest ${newest}` : ''),
          },
        ];
      } catch (err) {
        if (err instanceof SalesforceApiError && REFUSED_CODES.includes(err.errorCode))
          return [{ ...seen, invalid: { code: err.errorCode, reason: err.message } }];
        return [{ ...seen, unchecked: (err as Error).message }];
      }
    },
  };
}
