/**
 * The crisis budget watch's activity (workflows/budget-watch.ts): every open incident's ledger at
 * the watch's time; the incident commander is told once when an incident reaches the warning share
 * of its envelope, and the finance and executive roles are asked once for each pending emergency
 * spend that would take an incident over it. Each message's key (incident, instance, what,
 * recipient) is in the sent ledger once the server accepts it: a retry or the next run never
 * sends it again.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import { resolveTarget, type Recipient } from '../comms/directory';
import { idempotencyKey } from '../comms/idempotency';
import { rateFromDirectory } from '../comms/rates';
import { crisisLedger, type CrisisLedger } from '../domain/crisis-budget';
import type { IncidentStatus } from '../domain/incident';
import type { ActivityDeps } from './deps';

export interface BudgetWatchRow {
  incidentId: string;
  total: number;
  envelope: number;
  state: CrisisLedger['state'];
  /** Told now or earlier: the warning, and the approval requests by spend id. */
  warned: string[];
  askedFor: { spend: string; people: string[] }[];
}

export interface BudgetWatchReport {
  at: string;
  rows: BudgetWatchRow[];
}

const money = (l: CrisisLedger, n: number) => `${n.toFixed(2)} ${l.currency}`;

export function crisisBudgetActivities(deps: ActivityDeps) {
  /** Sends one email once; true when it went out now or before. */
  async function once(status: IncidentStatus, what: string, to: Recipient, subject: string, text: string) {
    if (!to.email) return false;
    const key = idempotencyKey(status.incidentId, what, to.id, 'email', status.detectedAt);
    if (await deps.messaging.sent.get(key)) return true;
    const messageId = `<${key}@lockout-runbook>`;
    await deps.email.transport.sendMail({
      from: deps.email.from,
      to: { name: to.name, address: to.email },
      subject,
      text,
      messageId,
      headers: { 'X-Lockout-Incident': status.incidentId, 'X-Lockout-Step': what },
    });
    await deps.messaging.sent.put(key, { messageId, detail: 'accepted' });
    return true;
  }

  return {
    /** `at`: the watch's own time (workflow time), so responder time is counted up to it. */
    async checkCrisisBudgets(at: string): Promise<BudgetWatchReport> {
      const budget = deps.budget;
      if (!budget)
        throw ApplicationFailure.nonRetryable('this worker has no crisis budget configured', 'NotConfigured');
      const config = budget.config();
      const dir = deps.directory();
      const rows: BudgetWatchRow[] = [];
      for (const status of await budget.openIncidents()) {
        const ledger = crisisLedger(status, config, rateFromDirectory(dir), at);
        const row: BudgetWatchRow = {
          incidentId: status.incidentId,
          total: ledger.total,
          envelope: ledger.envelope,
          state: ledger.state,
          warned: [],
          askedFor: [],
        };
        const title = `${status.incidentId} (${status.facts.title})`;
        if (ledger.state !== 'within') {
          for (const person of resolveTarget(dir, config.warn, at)) {
            const sent = await once(
              status,
              'budget-warning',
              person,
              `Crisis budget of ${title}: ${Math.round(ledger.used * 100)} % of its envelope`,
              `${title} has cost ${money(ledger, ledger.total)} of its envelope of ${money(ledger, ledger.envelope)} ` +
                `(${ledger.multiplier} × the normal ${money(ledger, ledger.normalCost)}).\n\n` +
                ledger.lines
                  .map((l) => `- ${l.kind} ${l.what}: ${money(ledger, l.amount)} (${l.detail})`)
                  .join('\n') +
                '\n\nSpend beyond the envelope needs a finance or executive approval (lockout spend).\n',
            );
            if (sent) row.warned.push(person.id);
          }
        }
        for (const pending of ledger.pending) {
          if (ledger.total + pending.amount <= ledger.envelope) continue;
          const approvers = Object.entries(dir.people)
            .filter(([, p]) => p.roles.some((r) => config.approverRoles.includes(r)))
            .map(([id, p]) => ({ id, name: p.name, email: p.email }));
          const people: string[] = [];
          for (const person of approvers) {
            const sent = await once(
              status,
              `budget-approval-${pending.id}`,
              person,
              `Approval needed: ${pending.id} of ${money(ledger, pending.amount)} would take ${title} over its crisis budget`,
              `${pending.requestedBy} asks for ${money(ledger, pending.amount)}: ${pending.purpose}.\n` +
                `The incident has cost ${money(ledger, ledger.total)} of ${money(ledger, ledger.envelope)}; ` +
                `with this it would be ${money(ledger, ledger.total + pending.amount)}.\n\n` +
                `Decide with: lockout spend approve ${status.incidentId} ${pending.id} --by <you>\n` +
                `         or: lockout spend reject ${status.incidentId} ${pending.id} --by <you> --reason "…"\n`,
            );
            if (sent) people.push(person.id);
          }
          row.askedFor.push({ spend: pending.id, people });
        }
        rows.push(row);
      }
      log.info('crisis budgets checked', { incidents: rows.length });
      return { at, rows };
    },
  };
}
