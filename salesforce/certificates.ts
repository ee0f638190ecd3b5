/**
 * The org's own certificates (Setup > Certificate and Key Management), from the Tooling API:
 * when one used for SSO, an identity provider or mutual TLS expires, integrations break.
 */
import { query } from './api';
import type { SalesforceSession } from './session';

export interface OrgCertificate {
  developerName: string;
  label: string;
  /** Salesforce gives a date: taken as the start of that day, UTC. */
  expiresAt: string | null;
  keySize: number | null;
}

interface CertificateRow {
  DeveloperName: string;
  MasterLabel: string;
  ExpirationDate: string | null;
  KeySize: number | null;
}

export async function readOrgCertificates(session: SalesforceSession): Promise<OrgCertificate[]> {
  const rows = await query<CertificateRow>(
    session,
    'SELECT Id, DeveloperName, MasterLabel, ExpirationDate, KeySize FROM Certificate ORDER BY ExpirationDate',
    { tooling: true },
  );
  return rows.map((r) => ({
    developerName: r.DeveloperName,
    label: r.MasterLabel,
    expiresAt: r.ExpirationDate ? new Date(`${r.ExpirationDate.slice(0, 10)}T00:00:00Z`).toISOString() : null,
    keySize: r.KeySize,
  }));
}
