import { log } from '@temporalio/activity';
import { idempotencyKey } from '../comms/idempotency';
import type { ActivityDeps } from './deps';
import { permanent, transient } from './failures';
import { countThisDelivery } from './metrics';
import { accepted, prepareMessage, type DeliveryReceipt, type SendInput } from './message';

export type SendEmailInput = SendInput;
export type { DeliveryReceipt } from './message';

/**
 * Same incident (`instance`: when it was detected), step, recipient and channel → same Message-ID,
 * so a retried send is recognisable and a recurring fingerprint's new incident is not.
 */
export function emailMessageId(
  incidentId: string,
  step: string,
  recipientId: string,
  instance?: string,
): string {
  return `<${idempotencyKey(incidentId, step, recipientId, 'email', instance)}@lockout-runbook>`;
}

/** SMTP 5xx replies (rejected recipient, failed auth) and address errors will not get better by retrying. */
function isPermanent(err: unknown): boolean {
  const e = err as { responseCode?: number; code?: string };
  return (
    (e.responseCode !== undefined && e.responseCode >= 500) || e.code === 'EENVELOPE' || e.code === 'EAUTH'
  );
}

export function emailActivities(deps: ActivityDeps) {
  return {
    async sendEmail(input: SendEmailInput): Promise<DeliveryReceipt> {
      const prepared = await prepareMessage(deps, 'email', input);
      const { recipient } = prepared.input;
      if (!recipient.email) throw permanent(`${recipient.id} has no email address`, 'NoContactPoint');
      if (prepared.earlier) return prepared.earlier;
      const { message } = prepared;
      const messageId = emailMessageId(input.incidentId, input.step, recipient.id, input.status.detectedAt);
      let info: { response?: unknown };
      try {
        info = await deps.email.transport.sendMail({
          from: deps.email.from,
          to: { name: recipient.name, address: recipient.email },
          subject: message.subject,
          text: message.text,
          html: message.html,
          messageId,
          headers: { 'X-Lockout-Incident': input.incidentId, 'X-Lockout-Step': input.step },
        });
      } catch (err) {
        const reason = (err as Error).message;
        if (isPermanent(err)) throw permanent(reason);
        throw transient(reason, 'SmtpError');
      }
      // Accepted: from here on nothing may count as an SMTP failure (that would send it again).
      log.info('email accepted', { incidentId: input.incidentId, step: input.step, messageId });
      if (deps.email.mode === 'local-sink') {
        countThisDelivery('outboxed');
        return {
          outcome: 'outboxed',
          messageId,
          detail: 'not delivered: channel not configured (no SMTP_URL; stored in outbox/email/)',
        };
      }
      return await accepted(deps, prepared, messageId, String(info.response ?? 'accepted'));
    },
  };
}
