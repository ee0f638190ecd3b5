/**
 * Key accounts and their procurement contacts, chosen by SOQL criteria in a YAML file
 * (config/salesforce-key-accounts.yaml) so each company decides what "key" means.
 */
import { z } from 'zod';
import { query } from './api';
import type { SalesforceSession } from './session';
import { soqlList, whereClauseProblem } from './soql';

const condition = (sobject: string) =>
  z.string().superRefine((where, ctx) => {
    const problem = whereClauseProblem(sobject, where);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const KeyAccountCriteria = z
  .object({
    accounts: z
      .object({
        /** SOQL condition on Account, e.g. `AnnualRevenue >= 10000000`. */
        where: condition('Account'),
        limit: z.number().int().min(1).max(2000).default(100),
      })
      .strict(),
    procurementContacts: z
      .object({
        /** SOQL condition on Contact, e.g. `Title LIKE '%Procurement%'`. */
        where: condition('Contact'),
        perAccount: z.number().int().min(1).max(20).default(3),
      })
      .strict(),
    cases: z
      .object({
        /** External ID field on Case that makes a retried notification update, not duplicate. */
        externalIdField: z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9_]*__c$/, 'must be a custom field API name (…__c)'),
        priority: z.enum(['High', 'Medium', 'Low']).default('High'),
        origin: z.string().default('Web'),
      })
      .strict(),
  })
  .strict();
export type KeyAccountCriteria = z.infer<typeof KeyAccountCriteria>;

export interface ProcurementContact {
  id: string;
  name: string;
  title: string | null;
  email: string;
}

export interface KeyAccount {
  id: string;
  name: string;
  annualRevenue: number | null;
  ownerId: string;
  ownerName: string | null;
  contacts: ProcurementContact[];
}

interface AccountRow {
  Id: string;
  Name: string;
  AnnualRevenue: number | null;
  OwnerId: string;
  Owner: { Name: string } | null;
}

interface ContactRow {
  Id: string;
  AccountId: string;
  Name: string;
  Title: string | null;
  Email: string;
}

/** The key accounts (or exactly `accountIds`), each with its procurement contacts. */
export async function readKeyAccounts(
  session: SalesforceSession,
  criteria: KeyAccountCriteria,
  accountIds?: readonly string[],
): Promise<KeyAccount[]> {
  const where = accountIds?.length ? `Id IN ${soqlList(accountIds)}` : `(${criteria.accounts.where})`;
  const accounts = await query<AccountRow>(
    session,
    `SELECT Id, Name, AnnualRevenue, OwnerId, Owner.Name FROM Account WHERE ${where} ` +
      `ORDER BY AnnualRevenue DESC NULLS LAST, Name LIMIT ${criteria.accounts.limit}`,
  );
  if (!accounts.length) return [];
  const contacts = await query<ContactRow>(
    session,
    `SELECT Id, AccountId, Name, Title, Email FROM Contact WHERE AccountId IN ${soqlList(accounts.map((a) => a.Id))} ` +
      `AND Email != null AND (${criteria.procurementContacts.where}) ORDER BY Name`,
  );
  return accounts.map((a) => ({
    id: a.Id,
    name: a.Name,
    annualRevenue: a.AnnualRevenue,
    ownerId: a.OwnerId,
    ownerName: a.Owner?.Name ?? null,
    contacts: contacts
      .filter((c) => c.AccountId === a.Id)
      .slice(0, criteria.procurementContacts.perAccount)
      .map((c) => ({ id: c.Id, name: c.Name, title: c.Title, email: c.Email })),
  }));
}

/** `a***@acme.example`: enough for a report to tell addresses apart, not enough to leak them. */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}***@${domain}`;
}
