/**
 * The procurement pack (risky: behind an approval): to each procurement contact of each key
 * account, the procurement letter with every document of the pack folder attached. Each
 * delivery is recorded with its Message-ID; contacts reached by an earlier attempt of the same
 * step are not mailed again (progress is kept in the activity's heartbeat).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { StepResult } from '../domain/incident';
import { maskEmail, readKeyAccounts, type KeyAccount } from '../salesforce/key-accounts';
import { parseArgs, type RunbookActivityInput } from './runbook-activity';
import type { ActivityDeps } from './deps';
import { emailMessageId } from './email';
import { keepProgress } from './heartbeat';
import { incidentContext, templateNamed } from './key-accounts';
import { renderKeyAccountTemplate } from '../salesforce/templates';
import { SalesforceArgs } from './salesforce-catalog';
import { configFile, guardDataRegion, requireSession, salesforceFailure } from './salesforce-support';

export interface PackDelivery {
  accountId: string;
  accountName: string;
  contactId: string;
  contactName: string;
  /** Masked: the report shows which address, not the address. */
  address: string;
  messageId: string;
  outcome: 'delivered' | 'outboxed' | 'failed';
  detail: string;
}

/** The documents to attach: regular files, not hidden, not the folder's README. */
export function packFiles(dir: string): { filename: string; path: string }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw ApplicationFailure.nonRetryable(
      `procurement pack folder ${dir} cannot be read (${(err as NodeJS.ErrnoException).code}): set LOCKOUT_PROCUREMENT_PACK_DIR`,
      'ProcurementPackMissing',
    );
  }
  const files = names
    .filter((name) => !name.startsWith('.') && !/^readme/i.test(name))
    .sort()
    .map((filename) => ({ filename, path: join(dir, filename) }))
    .filter((f) => statSync(f.path).isFile());
  if (!files.length) {
    throw ApplicationFailure.nonRetryable(
      `procurement pack folder ${dir} has no documents: put the vendor-assessment documents there`,
      'ProcurementPackMissing',
    );
  }
  return files;
}

/** SMTP 5xx and address errors will not get better by retrying. */
function isPermanent(err: unknown): boolean {
  const e = err as { responseCode?: number; code?: string };
  return (e.responseCode !== undefined && e.responseCode >= 500) || e.code === 'EENVELOPE';
}

/** Contacts already mailed by earlier attempts of this activity (empty outside a worker). */
function heartbeatProgress(): { done: Set<string>; record(id: string): void } {
  let context: Context | undefined;
  try {
    context = Context.current();
  } catch {
    context = undefined;
  }
  const previous: unknown = context?.info.heartbeatDetails;
  const done = new Set<string>(Array.isArray(previous) ? (previous as string[]) : []);
  return {
    done,
    record(id) {
      done.add(id);
      keepProgress([...done]);
    },
  };
}

export function procurementActivities(deps: ActivityDeps) {
  return {
    async sendProcurementPack(input: RunbookActivityInput): Promise<StepResult> {
      const args = parseArgs('sendProcurementPack', SalesforceArgs.sendProcurementPack, input.args);
      guardDataRegion(input.facts.region);
      const { sf, session } = requireSession(deps, 'sendProcurementPack');
      const criteria = configFile(() => sf.keyAccounts());
      const template = templateNamed(sf, 'sendProcurementPack', args.template);
      const attachments = packFiles(sf.procurementPackDir);
      let accounts: KeyAccount[];
      try {
        accounts = await readKeyAccounts(session, criteria, args.accountIds);
      } catch (err) {
        throw salesforceFailure('sendProcurementPack', err);
      }
      const progress = heartbeatProgress();
      const deliveries: PackDelivery[] = [];
      for (const account of accounts) {
        for (const contact of account.contacts) {
          const messageId = emailMessageId(
            input.incidentId,
            input.step,
            `${account.id}:${contact.id}`,
            input.instance,
          );
          const delivery = {
            accountId: account.id,
            accountName: account.name,
            contactId: contact.id,
            contactName: contact.name,
            address: maskEmail(contact.email),
            messageId,
          };
          if (progress.done.has(contact.id)) {
            deliveries.push({
              ...delivery,
              outcome: 'delivered',
              detail: 'sent by an earlier attempt of this step',
            });
            continue;
          }
          let letter;
          try {
            letter = renderKeyAccountTemplate(template, {
              recipient: { name: contact.name },
              account: { name: account.name, owner: account.ownerName },
              incident: incidentContext(input),
              pack: { files: attachments.map((a) => a.filename) },
            });
          } catch (err) {
            throw ApplicationFailure.nonRetryable((err as Error).message, 'TemplateError');
          }
          try {
            const info = await deps.email.transport.sendMail({
              from: deps.email.from,
              to: { name: contact.name, address: contact.email },
              subject: letter.subject,
              text: letter.text,
              html: letter.html,
              messageId,
              attachments,
              headers: { 'X-Lockout-Incident': input.incidentId, 'X-Lockout-Step': input.step },
            });
            const outboxed = deps.email.mode === 'local-sink';
            deliveries.push({
              ...delivery,
              outcome: outboxed ? 'outboxed' : 'delivered',
              detail: outboxed
                ? 'no SMTP server configured: stored in the local outbox'
                : String(info.response ?? 'accepted'),
            });
            progress.record(contact.id);
          } catch (err) {
            if (!isPermanent(err)) throw err;
            deliveries.push({ ...delivery, outcome: 'failed', detail: (err as Error).message });
          }
        }
      }
      const failed = deliveries.filter((d) => d.outcome === 'failed');
      const withoutContact = accounts.filter((a) => a.contacts.length === 0).map((a) => a.name);
      const sent = deliveries.length - failed.length;
      return {
        ok: deliveries.length > 0 && failed.length === 0 && withoutContact.length === 0,
        summary:
          `procurement pack (${attachments.length} document(s)) sent to ${sent} contact(s) at ${accounts.length} key account(s)` +
          (failed.length ? `; ${failed.length} failed` : '') +
          (withoutContact.length ? `; no procurement contact at ${withoutContact.join(', ')}` : ''),
        data: {
          documents: attachments.map((a) => a.filename),
          deliveries,
          accountsWithoutContact: withoutContact,
        },
      };
    },
  };
}
