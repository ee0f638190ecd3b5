/**
 * Key accounts during a lockout: who they are (findKeyAccounts), and the Salesforce channel
 * (notifyKeyAccounts): a Case on each key account and a Chatter post that @mentions its owner.
 * A retried step finds its Case by external id and its post by a reference in the text, so it
 * never opens a second Case or posts twice.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { StepResult } from '../domain/incident';
import { callSalesforce, upsertByExternalId } from '../salesforce/api';
import { maskEmail, readKeyAccounts, type KeyAccount } from '../salesforce/key-accounts';
import type { SalesforceDeps } from '../salesforce/deps';
import type { SalesforceSession } from '../salesforce/session';
import {
  renderKeyAccountTemplate,
  type KeyAccountContext,
  type SalesforceTemplate,
} from '../salesforce/templates';
import { parseArgs, type RunbookActivityInput } from './runbook-activity';
import type { ActivityDeps } from './deps';
import { SalesforceArgs } from './salesforce-catalog';
import { configFile, guardDataRegion, NOT_CONFIGURED, salesforceFailure } from './salesforce-support';

/** Same incident, step and account → same key: the Case's external id and the post's reference. */
export function keyAccountKey(incidentId: string, step: string, accountId: string): string {
  return createHash('sha256')
    .update(`${incidentId}\n${step}\n${accountId}\nsalesforce`)
    .digest('hex')
    .slice(0, 32);
}

/** What templates for key accounts may say about the incident. */
export function incidentContext(input: RunbookActivityInput): KeyAccountContext['incident'] {
  const { facts } = input;
  return {
    id: input.incidentId,
    title: facts.title,
    pattern: facts.pattern,
    severity: facts.severity,
    region: facts.region,
    euPersonalData: facts.euPersonalData,
    description: facts.description ?? null,
  };
}

export function templateNamed(sf: SalesforceDeps, activity: string, id: string): SalesforceTemplate {
  const template = configFile(() => sf.templates()).get(id);
  if (!template)
    throw ApplicationFailure.nonRetryable(`${activity}: unknown template "${id}"`, 'UnknownTemplate');
  return template;
}

interface FeedElement {
  id: string;
  body: { text: string | null };
}

interface CaseNotice {
  accountId: string;
  accountName: string;
  caseId: string;
  caseCreated: boolean;
  feedElementId: string;
  postCreated: boolean;
}

async function noticeFor(
  session: SalesforceSession,
  account: KeyAccount,
  key: string,
  message: { subject: string; text: string },
  cases: { externalIdField: string; priority: string; origin: string },
): Promise<CaseNotice> {
  const saved = await upsertByExternalId(session, 'Case', cases.externalIdField, key, {
    AccountId: account.id,
    Subject: message.subject.slice(0, 255),
    Description: message.text,
    Priority: cases.priority,
    Origin: cases.origin,
  });
  const reference = `Ref lockout:${key}`;
  const feed = await callSalesforce<{ elements: FeedElement[] }>(session, {
    method: 'GET',
    path: `/chatter/feeds/record/${account.id}/feed-elements`,
  });
  const posted = feed.elements.find((e) => e.body.text?.includes(reference));
  if (posted) {
    return {
      accountId: account.id,
      accountName: account.name,
      caseId: saved.id,
      caseCreated: saved.created,
      feedElementId: posted.id,
      postCreated: false,
    };
  }
  const element = await callSalesforce<FeedElement>(session, {
    method: 'POST',
    path: '/chatter/feed-elements',
    body: {
      feedElementType: 'FeedItem',
      subjectId: account.id,
      body: {
        messageSegments: [
          { type: 'Mention', id: account.ownerId },
          { type: 'Text', text: ` ${message.subject}\nCase ${saved.id} has the details. ${reference}` },
        ],
      },
    },
  });
  return {
    accountId: account.id,
    accountName: account.name,
    caseId: saved.id,
    caseCreated: saved.created,
    feedElementId: element.id,
    postCreated: true,
  };
}

export function keyAccountActivities(deps: ActivityDeps) {
  return {
    async findKeyAccounts(input: RunbookActivityInput): Promise<StepResult> {
      parseArgs('findKeyAccounts', SalesforceArgs.findKeyAccounts, input.args);
      guardDataRegion(input.facts.region);
      const sf = deps.salesforce;
      if (!sf?.session) return { ok: false, summary: NOT_CONFIGURED, data: { configured: false } };
      const criteria = configFile(() => sf.keyAccounts());
      let accounts: KeyAccount[];
      try {
        accounts = await readKeyAccounts(sf.session, criteria);
      } catch (err) {
        throw salesforceFailure('findKeyAccounts', err);
      }
      const withoutContact = accounts.filter((a) => a.contacts.length === 0);
      const contacts = accounts.reduce((n, a) => n + a.contacts.length, 0);
      return {
        ok: withoutContact.length === 0,
        summary:
          `${accounts.length} key account(s), ${contacts} procurement contact(s)` +
          (withoutContact.length
            ? `; no procurement contact for ${withoutContact.map((a) => a.name).join(', ')}`
            : ''),
        data: {
          accounts: accounts.map((a) => ({
            ...a,
            contacts: a.contacts.map((c) => ({ ...c, email: maskEmail(c.email) })),
          })),
        },
      };
    },

    async notifyKeyAccounts(input: RunbookActivityInput): Promise<StepResult> {
      const args = parseArgs('notifyKeyAccounts', SalesforceArgs.notifyKeyAccounts, input.args);
      guardDataRegion(input.facts.region);
      const sf = deps.salesforce;
      if (!sf?.session) {
        return { ok: false, summary: `not delivered: ${NOT_CONFIGURED}`, data: { configured: false } };
      }
      const criteria = configFile(() => sf.keyAccounts());
      const template = templateNamed(sf, 'notifyKeyAccounts', args.template);
      const notices: CaseNotice[] = [];
      try {
        const accounts = await readKeyAccounts(sf.session, criteria, args.accountIds);
        for (const account of accounts) {
          let message;
          try {
            message = renderKeyAccountTemplate(template, {
              incident: incidentContext(input),
              account: { name: account.name, owner: account.ownerName },
              recipient: null,
              pack: null,
            });
          } catch (err) {
            throw ApplicationFailure.nonRetryable((err as Error).message, 'TemplateError');
          }
          const key = keyAccountKey(input.incidentId, input.step, account.id);
          notices.push(await noticeFor(sf.session, account, key, message, criteria.cases));
        }
      } catch (err) {
        throw salesforceFailure('notifyKeyAccounts', err);
      }
      const newCases = notices.filter((n) => n.caseCreated).length;
      return {
        ok: true,
        summary: notices.length
          ? `Case and Chatter post on ${notices.length} key account(s) (${newCases} new Case(s), ` +
            `${notices.length - newCases} already open from an earlier attempt)`
          : 'no key account matched: nothing posted',
        data: { notices },
      };
    },
  };
}
