/**
 * The readiness workflow's activities (workflows/readiness.ts): check the rotas over a high-risk
 * period, tell the rota owners of each gap, and send the vendor-assessment pack before it starts.
 * Each message has a Message-ID derived from the period, the check and the recipient, and is
 * recorded in the sent ledger once the server accepts it: a retry never mails anyone twice.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import { DateTime } from 'luxon';
import { idempotencyKey } from '../comms/idempotency';
import { coverageGaps } from '../comms/rota-coverage';
import { resolveTarget } from '../comms/directory';
import type { ApprovalAsked, CoverageGap, CoverageRoles } from '../domain/high-risk-period';
import type { StepResult } from '../domain/incident';
import type { ActivityDeps } from './deps';
import { procurementActivities } from './procurement';

export interface CheckCoverageInput {
  from: string;
  until: string;
  roles: CoverageRoles;
  gapsTo: string;
}

export interface TellGapsInput {
  periodId: string;
  /** The period's start: part of the keys, so a period declared again is told again. */
  instance: string;
  /** Which check (`7d`, `24h`): each one tells its owners once. */
  ahead: string;
  reason: string;
  gaps: CoverageGap[];
}

export interface GapNotice {
  owner: string;
  outcome: 'delivered' | 'outboxed' | 'no-email' | 'unknown-person';
  messageId?: string;
}

export interface AskPackApprovalInput {
  periodId: string;
  instance: string;
  reason: string;
  /** A directory target: a person, role or audience. */
  approvers: string;
  /** The period's start: the pack is sent only if approved before it. */
  start: string;
}

export interface PeriodPackInput {
  periodId: string;
  instance: string;
  reason: string;
}

/** `2026-12-02 10:00–14:00 Europe/Berlin (09:00–13:00 UTC)`, in the owner's zone. */
function gapText(gap: CoverageGap, zone: string): string {
  const local = (iso: string) => DateTime.fromISO(iso, { zone }).toFormat('yyyy-LL-dd HH:mm');
  const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'UTC' }).toFormat('yyyy-LL-dd HH:mm');
  return (
    `- ${local(gap.from)} to ${local(gap.until)} ${zone} (${utc(gap.from)} to ${utc(gap.until)} UTC): ` +
    `no ${gap.missing.join(' and no ')} responder on call`
  );
}

export function readinessActivities(deps: ActivityDeps) {
  return {
    async checkRotaCoverage(input: CheckCoverageInput): Promise<CoverageGap[]> {
      try {
        return coverageGaps(deps.directory(), input, input.roles, input.gapsTo);
      } catch (err) {
        // An unknown gapsTo target is a configuration error that no retry fixes.
        throw ApplicationFailure.nonRetryable((err as Error).message, 'InvalidCoverageCheck');
      }
    },

    async tellRotaGaps(input: TellGapsInput): Promise<GapNotice[]> {
      const dir = deps.directory();
      const owners = [...new Set(input.gaps.flatMap((g) => g.owners))];
      const notices: GapNotice[] = [];
      for (const owner of owners) {
        const person = dir.people[owner];
        if (!person) {
          notices.push({ owner, outcome: 'unknown-person' });
          continue;
        }
        if (!person.email) {
          notices.push({ owner, outcome: 'no-email' });
          continue;
        }
        const step = `coverage-${input.ahead}`;
        const key = idempotencyKey(`period-${input.periodId}`, step, owner, 'email', input.instance);
        const messageId = `<${key}@lockout-runbook>`;
        const earlier = await deps.messaging.sent.get(key);
        if (earlier) {
          notices.push({ owner, outcome: 'delivered', messageId: earlier.messageId });
          continue;
        }
        const theirs = input.gaps.filter((g) => g.owners.includes(owner));
        await deps.email.transport.sendMail({
          from: deps.email.from,
          to: { name: person.name, address: person.email },
          subject: `Rota gaps during high-risk period ${input.periodId}: ${theirs.length} to fill`,
          text:
            `High-risk period ${input.periodId} (${input.reason}) needs an engineer and a compliance ` +
            `responder on call at every hour. The rotas leave these gaps:\n\n` +
            theirs.map((g) => gapText(g, person.timezone)).join('\n') +
            `\n\nPlease add an override to the rota (config/directory.yaml) for each of them.\n`,
          messageId,
          headers: { 'X-Lockout-Period': input.periodId, 'X-Lockout-Step': step },
        });
        const outcome = deps.email.mode === 'local-sink' ? 'outboxed' : 'delivered';
        await deps.messaging.sent.put(key, { messageId, detail: outcome });
        log.info('rota gaps told', { periodId: input.periodId, ahead: input.ahead, gaps: theirs.length });
        notices.push({ owner, outcome, messageId });
      }
      return notices;
    },

    /**
     * Asks the period's approvers by email to approve (or reject) sending the vendor pack, with
     * the commands to do it. Once per approver and period: a retry or replay mails nobody twice.
     */
    async askVendorPackApproval(input: AskPackApprovalInput): Promise<ApprovalAsked[]> {
      let recipients;
      try {
        recipients = resolveTarget(deps.directory(), input.approvers);
      } catch (err) {
        throw ApplicationFailure.nonRetryable(
          `vendorPack.approvers: ${(err as Error).message}`,
          'InvalidApprovers',
        );
      }
      const asked: ApprovalAsked[] = [];
      for (const r of recipients) {
        if (!r.email) {
          asked.push({ person: r.id, outcome: 'no-email' });
          continue;
        }
        const step = 'vendor-pack-approval';
        const key = idempotencyKey(`period-${input.periodId}`, step, r.id, 'email', input.instance);
        const messageId = `<${key}@lockout-runbook>`;
        const earlier = await deps.messaging.sent.get(key);
        if (earlier) {
          asked.push({ person: r.id, outcome: 'delivered', messageId: earlier.messageId });
          continue;
        }
        await deps.email.transport.sendMail({
          from: deps.email.from,
          to: { name: r.name, address: r.email },
          subject: `Approve the vendor-assessment pack before high-risk period ${input.periodId}`,
          text:
            `High-risk period ${input.periodId} (${input.reason}) starts ${input.start}. Its ` +
            `vendor-assessment pack goes to the key accounts' procurement contacts only once ` +
            `someone approves it before then.\n\n` +
            `Approve:  npx lockout period approve-pack ${input.periodId} --by <your-name>\n` +
            `Reject:   npx lockout period reject-pack ${input.periodId} --by <your-name>\n\n` +
            `Nothing is sent if nobody decides before the start.\n`,
          messageId,
          headers: { 'X-Lockout-Period': input.periodId, 'X-Lockout-Step': step },
        });
        const outcome = deps.email.mode === 'local-sink' ? 'outboxed' : 'delivered';
        await deps.messaging.sent.put(key, { messageId, detail: outcome });
        asked.push({ person: r.id, outcome, messageId });
      }
      return asked;
    },

    /**
     * The procurement pack of the vendor-assessment runbook, to every key account's procurement
     * contacts, as the period's step `vendor-pack`: the same Message-IDs on a retry, and contacts
     * reached by an earlier attempt are not mailed again.
     */
    async sendPeriodVendorPack(input: PeriodPackInput): Promise<StepResult> {
      return procurementActivities(deps).sendProcurementPack({
        incidentId: `period-${input.periodId}`,
        step: 'vendor-pack',
        args: {},
        instance: input.instance,
        facts: {
          title: `High-risk period ${input.periodId}: ${input.reason}`,
          pattern: 'vendor-assessment',
          severity: 'sev3',
          region: 'global',
          euPersonalData: false,
          source: 'readiness',
          labels: {},
          custom: {},
        },
      });
    },
  };
}
