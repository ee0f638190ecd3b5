/**
 * One notification's first try in one activity (lean incidents, workflows/notify.ts): who each
 * target is at the workflow's time, then each recipient's channels in the runbook's order until
 * one takes the message. An outboxed or refused channel moves on at once, as the workflow would;
 * a transient failure stops that recipient there and is handed back, so the workflow retries it
 * with Temporal's backoff in a send activity of its own. Every send is idempotent
 * (activities/message.ts): a retried notification tells nobody twice.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { MessageAbout } from '../comms/context';
import { resolveTarget, type Recipient } from '../comms/directory';
import type { IncidentStatus } from '../domain/incident';
import { channelsFor } from '../domain/reach';
import { Channel } from '../domain/runbook';
import type { ActivityDeps } from './deps';
import type { DeliveryReceipt, SendInput } from './message';
import { sendOn } from './metrics';

export const NotificationInput = z.object({
  incidentId: z.string().min(1),
  step: z.string().min(1),
  targets: z.array(z.string().min(1)),
  template: z.string().min(1),
  channels: z.array(Channel),
  status: z.looseObject({ incidentId: z.string(), facts: z.looseObject({ title: z.string() }) }),
  /** The workflow's time (ISO): rotas resolve at it, and it is "as of" in the message. */
  at: z.iso.datetime({ offset: true }),
  about: MessageAbout.optional(),
});
export type NotificationInput = Omit<z.infer<typeof NotificationInput>, 'status'> & {
  status: IncidentStatus;
};

/** One channel tried for one recipient. */
export interface NotificationAttempt {
  channel: Channel;
  outcome: 'delivered' | 'outboxed' | 'failed';
  messageId?: string;
  detail: string;
}

export interface RecipientOutcome {
  recipient: Recipient;
  /** The runbook's channels this recipient has, in order (domain/reach.ts). */
  channels: Channel[];
  attempts: NotificationAttempt[];
  /** A transient failure on `channels[from]`: the workflow sends from there on with retries. */
  retry?: { from: number; reason: string };
}

export interface NotificationOutcome {
  unresolved: { target: string; reason: string }[];
  recipients: RecipientOutcome[];
}

export type Sender = (input: SendInput) => Promise<DeliveryReceipt>;

export function notificationActivities(deps: ActivityDeps, senders: Partial<Record<Channel, Sender>>) {
  async function reach(recipient: Recipient, input: NotificationInput): Promise<RecipientOutcome> {
    const channels = channelsFor(recipient, input.channels);
    const attempts: NotificationAttempt[] = [];
    for (const [i, channel] of channels.entries()) {
      const send = senders[channel];
      if (!send) continue;
      try {
        const receipt = await sendOn(channel, () =>
          send({
            incidentId: input.incidentId,
            step: input.step,
            recipient,
            template: input.template,
            status: input.status,
            at: input.at,
            ...(input.about ? { about: input.about } : {}),
          }),
        );
        attempts.push({ channel, ...receipt });
        if (receipt.outcome === 'delivered') break;
      } catch (err) {
        if (!(err instanceof ApplicationFailure && err.nonRetryable))
          return { recipient, channels, attempts, retry: { from: i, reason: (err as Error).message } };
        attempts.push({ channel, outcome: 'failed', detail: err.message });
      }
    }
    return { recipient, channels, attempts };
  }

  return {
    async deliverNotification(raw: NotificationInput): Promise<NotificationOutcome> {
      const parsed = NotificationInput.safeParse(raw);
      if (!parsed.success) {
        const problems = parsed.error.issues
          .map((i) => `${i.path.join('.') || 'input'}: ${i.message}`)
          .join('; ');
        throw ApplicationFailure.nonRetryable(`deliverNotification: ${problems}`, 'InvalidArguments');
      }
      const input = raw;
      const recipients = new Map<string, Recipient>();
      const unresolved: NotificationOutcome['unresolved'] = [];
      for (const target of input.targets) {
        try {
          for (const r of resolveTarget(deps.directory(), target, input.at)) recipients.set(r.id, r);
        } catch (err) {
          unresolved.push({ target, reason: (err as Error).message });
        }
      }
      const outcomes = await Promise.all([...recipients.values()].map((r) => reach(r, input)));
      return { unresolved, recipients: outcomes };
    },
  };
}
