import { createHash } from 'node:crypto';
import { ApplicationFailure, log } from '@temporalio/activity';
import { messageContext } from '../comms/context';
import type { Recipient } from '../comms/directory';
import { renderTemplate } from '../comms/templates';
import type { IncidentStatus } from '../domain/incident';
import type { ActivityDeps } from './deps';
import { countDelivery } from './metrics';

export interface SendEmailInput {
  incidentId: string;
  /** Runbook step (or escalation level) this message belongs to: part of the idempotency key. */
  step: string;
  recipient: Recipient;
  template: string;
  status: IncidentStatus;
}

export interface DeliveryReceipt {
  outcome: 'delivered' | 'outboxed';
  messageId: string;
  detail: string;
}

/** Same incident, step, recipient and channel → same Message-ID, so a retried send is recognisable. */
export function emailMessageId(incidentId: string, step: string, recipientId: string): string {
  const key = createHash('sha256').update(`${incidentId}\n${step}\n${recipientId}\nemail`).digest('hex');
  return `<${key.slice(0, 32)}@lockout-runbook>`;
}

/** SMTP 5xx replies and address errors will not get better by retrying. */
function isPermanent(err: unknown): boolean {
  const e = err as { responseCode?: number; code?: string };
  return (e.responseCode !== undefined && e.responseCode >= 500) || e.code === 'EENVELOPE';
}

export function emailActivities(deps: ActivityDeps) {
  return {
    async sendEmail(input: SendEmailInput): Promise<DeliveryReceipt> {
      const { recipient } = input;
      if (!recipient.email) {
        throw ApplicationFailure.nonRetryable(`${recipient.id} has no email address`, 'NoContactPoint');
      }
      const template = deps.templates().get(input.template);
      if (!template)
        throw ApplicationFailure.nonRetryable(`unknown template "${input.template}"`, 'UnknownTemplate');
      let message;
      try {
        message = renderTemplate(
          template,
          messageContext(input.status, recipient, deps.links(input.incidentId)),
        );
      } catch (err) {
        throw ApplicationFailure.nonRetryable((err as Error).message, 'TemplateError');
      }
      const messageId = emailMessageId(input.incidentId, input.step, recipient.id);
      try {
        const info = await deps.email.transport.sendMail({
          from: deps.email.from,
          to: { name: recipient.name, address: recipient.email },
          subject: message.subject,
          text: message.text,
          html: message.html,
          messageId,
          headers: { 'X-Lockout-Incident': input.incidentId, 'X-Lockout-Step': input.step },
        });
        log.info('email sent', { incidentId: input.incidentId, step: input.step, recipient: recipient.id });
        countDelivery('email', deps.email.mode === 'local-sink' ? 'outboxed' : 'delivered');
        return deps.email.mode === 'local-sink'
          ? {
              outcome: 'outboxed',
              messageId,
              detail: 'no SMTP server configured: stored in the local outbox',
            }
          : { outcome: 'delivered', messageId, detail: String(info.response ?? 'accepted') };
      } catch (err) {
        const reason = (err as Error).message;
        countDelivery('email', isPermanent(err) ? 'rejected' : 'failed');
        if (isPermanent(err)) throw ApplicationFailure.nonRetryable(reason, 'PermanentDeliveryError');
        throw err;
      }
    },
  };
}
