/**
 * Setup Audit Trail entries in the incident window (the audit-log pattern): who changed what in
 * Setup, with the security-relevant sections flagged for the compliance report.
 */
import { query } from './api';
import type { SalesforceSession } from './session';
import { soqlDateTime } from './soql';

/** Setup sections whose changes can lock an integration out or weaken a control. */
export const SECURITY_SECTIONS = [
  'Connected Apps',
  'Manage Users',
  'Permission Sets',
  'Profiles',
  'Session Settings',
  'Network Access',
  'Certificate and Key Management',
  'Password Policies',
  'Identity Provider',
  'Single Sign-On Settings',
  'Named Credentials',
  'Remote Site Settings',
  'Security Controls',
  'Login IP Ranges',
];

export interface AuditEntry {
  at: string;
  section: string;
  action: string;
  display: string;
  /** Username of the admin (audit evidence; kept out of summaries). */
  by: string | null;
  delegateUser: string | null;
  securityRelevant: boolean;
}

export function isSecurityRelevant(section: string | null | undefined): boolean {
  const s = (section ?? '').toLowerCase();
  return SECURITY_SECTIONS.some(
    (known) => s === known.toLowerCase() || s.startsWith(`${known.toLowerCase()} `),
  );
}

interface AuditRow {
  CreatedDate: string;
  Section: string | null;
  Action: string;
  Display: string | null;
  DelegateUser: string | null;
  CreatedBy: { Username: string } | null;
}

export async function readAuditTrail(
  session: SalesforceSession,
  window: { from: Date; until: Date },
  limit: number,
): Promise<AuditEntry[]> {
  const rows = await query<AuditRow>(
    session,
    'SELECT Id, Action, Section, CreatedDate, CreatedBy.Username, Display, DelegateUser FROM SetupAuditTrail ' +
      `WHERE CreatedDate >= ${soqlDateTime(window.from)} AND CreatedDate <= ${soqlDateTime(window.until)} ` +
      `ORDER BY CreatedDate DESC LIMIT ${limit}`,
  );
  return rows.map((r) => ({
    at: r.CreatedDate,
    section: r.Section ?? '',
    action: r.Action,
    display: r.Display ?? '',
    by: r.CreatedBy?.Username ?? null,
    delegateUser: r.DelegateUser,
    securityRelevant: isSecurityRelevant(r.Section),
  }));
}
