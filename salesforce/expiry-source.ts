/**
 * The Salesforce expiry source for the expiry watch (expiry/expiry-sources.ts): the JWT
 * certificate of the connected app and the org's own certificates, 72/24 hours ahead; and a token
 * the endpoint refuses right now, which is a lockout at once.
 */
import type { ExpirySource } from '../expiry/expiry-sources';
import type { ExpiryObservation } from '../domain/expiry';
import { readOrgCertificates } from './certificates';
import type { CredentialExpiry, SalesforceSession } from './session';
import { TokenRefused } from './token';
import { SalesforceApiError } from './api';

export function salesforceExpirySource(session: SalesforceSession | undefined): ExpirySource {
  return {
    name: 'salesforce',
    async check(): Promise<ExpiryObservation[]> {
      if (!session) return [];
      const token = {
        source: 'salesforce',
        subject: 'token',
        label: `Salesforce access token (${session.settings.flow.kind})`,
        pattern: 'token-expiry',
        region: 'global',
      } as const;
      try {
        const expiries = await salesforceCredentialExpiry(session);
        return expiries
          .filter((e) => !e.renewsAutomatically)
          .map((e) => ({
            source: 'salesforce',
            subject: e.id.replace(/^salesforce-/, ''),
            label: e.description,
            // The connected app's certificate is what gets the token; the org's serve TLS and SSO.
            pattern: e.id === 'salesforce-jwt-certificate' ? 'token-expiry' : 'certificate-chain',
            region: 'global',
            expiresAt: e.expiresAt,
          }));
      } catch (err) {
        const refused =
          err instanceof TokenRefused ||
          (err instanceof SalesforceApiError &&
            ['TOKEN_REFUSED', 'SESSION_REFRESH_FAILED'].includes(err.errorCode));
        if (refused) {
          return [{ ...token, invalid: { code: 'TOKEN_REFUSED', reason: (err as Error).message } }];
        }
        return [{ ...token, unchecked: (err as Error).message }];
      }
    },
  };
}

/**
 * For the expiry watch: when the Salesforce credentials expire (empty when not configured): the
 * JWT certificate, the access token, and the org's own certificates (Tooling API).
 */
export async function salesforceCredentialExpiry(
  session: SalesforceSession | undefined,
): Promise<CredentialExpiry[]> {
  if (!session) return [];
  const own = await session.credentialExpiry();
  const org = (await readOrgCertificates(session))
    .filter((c) => c.expiresAt)
    .map((c) => ({
      id: `salesforce-certificate-${c.developerName}`,
      description: `Salesforce org certificate ${c.label} (${c.developerName})`,
      expiresAt: c.expiresAt!,
      renewsAutomatically: false,
    }));
  return [...own, ...org];
}
