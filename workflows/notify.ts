/**
 * Telling people: resolve each target to recipients at the workflow's current time (rotas),
 * then try each recipient's channels in the runbook's order, limited to the channels the
 * recipient has, until one takes the message. A permanent failure (invalid number, rejected
 * address, a webhook's 4xx) moves on at once; transient ones are retried by Temporal first.
 * Every attempt lands in the deliveries and the timeline, with the provider's message id.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  patched,
  proxyActivities,
  proxyLocalActivities,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DeliveryReceipt } from '../activities/message';
import type { MessageAbout } from '../comms/context';
import type { Recipient } from '../comms/directory';
import type { Channel } from '../domain/runbook';
import type { IncidentState } from './incident-state';
import { deliveryRecorded } from '../domain/incident-progress';

const { resolveAudience } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5 },
});

/**
 * Who a target is, read from the worker's directory within the workflow task: no round trip
 * through the server before the first message goes out (the answer is kept as a marker).
 */
const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5 },
});

/** Patch id: audiences are resolved by local activities, every target of a message at once. */
export const RESOLVE_AUDIENCE_LOCALLY = 'resolve-audience-locally';

/** Transient failures are retried for up to ten minutes (or as Retry-After says), then the next channel is tried. */
const senders = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  heartbeatTimeout: '20s',
  scheduleToCloseTimeout: '10m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** The activity that reaches a person on each channel (Salesforce posts to accounts, not people: its own step). */
const SENDER = {
  email: senders.sendEmail,
  sms: senders.sendSms,
  voice: senders.placeVoiceCall,
  webhook: senders.postWebhook,
} as const;

/** Patch id: an outboxed message moves on to the recipient's next channel. */
export const OUTBOX_TRIES_NEXT_CHANNEL = 'outbox-tries-next-channel';

export interface Notification {
  /** Step id or `escalation-<level>`: names the message in the timeline and its idempotency key. */
  step: string;
  targets: string[];
  template: string;
  channels: Channel[];
  /** What the message is about beyond the incident: an approval step, or a clock. */
  about?: MessageAbout;
}

function failureReason(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return cause.message;
  if (cause instanceof TimeoutFailure) return `no answer: gave up after retries (${cause.timeoutType})`;
  return (cause as Error).message;
}

/** The runbook's channels, in its order, that this recipient can be reached on. */
function channelsFor(recipient: Recipient, wanted: Channel[]): Channel[] {
  // Recipients resolved before `channels` existed carry only their addresses.
  const has: Channel[] = recipient.channels ?? [
    ...(recipient.email ? (['email'] as const) : []),
    ...(recipient.phone ? (['sms', 'voice'] as const) : []),
  ];
  return wanted.filter((c) => has.includes(c));
}

function describe(receipt: DeliveryReceipt): string {
  return receipt.outcome === 'outboxed' ? receipt.detail : `delivered, message id ${receipt.messageId}`;
}

async function deliver(incident: IncidentState, recipient: Recipient, n: Notification): Promise<void> {
  const channels = channelsFor(recipient, n.channels);
  let outboxed = false;
  for (const [i, channel] of channels.entries()) {
    const send = channel in SENDER ? SENDER[channel as keyof typeof SENDER] : undefined;
    if (!send) continue;
    try {
      const receipt = await send.executeWithOptions(
        { summary: `${n.template} to ${recipient.id} by ${channel}` },
        [
          {
            incidentId: incident.id,
            step: n.step,
            recipient,
            template: n.template,
            status: incident.compactStatus(),
            at: incident.now(),
            ...(n.about ? { about: n.about } : {}),
          },
        ],
      );
      incident.apply(deliveryRecorded, {
        at: incident.now(),
        step: n.step,
        recipient: recipient.id,
        channel,
        ...receipt,
      });
      const next = channels[i + 1];
      // A channel without credentials reached nobody: try the recipient's next one. (Incidents
      // started before this change stopped at the outbox; the patch keeps them replaying.)
      const tryNext =
        receipt.outcome === 'outboxed' && next !== undefined && patched(OUTBOX_TRIES_NEXT_CHANNEL);
      incident.record(
        'notification',
        `${n.template} → ${recipient.name} by ${channel}: ${describe(receipt)}${tryNext ? `; trying ${next}` : ''}`,
        { step: n.step },
      );
      if (!tryNext) return;
      outboxed = true;
    } catch (err) {
      const detail = failureReason(err);
      incident.apply(deliveryRecorded, {
        at: incident.now(),
        step: n.step,
        recipient: recipient.id,
        channel,
        outcome: 'failed',
        detail,
      });
      const next = channels[i + 1];
      incident.record(
        'notification',
        `${n.template} → ${recipient.name} by ${channel} failed: ${detail}${next ? `; trying ${next}` : ''}`,
        { step: n.step },
      );
    }
  }
  incident.record(
    'notification',
    outboxed
      ? `${recipient.name} NOT REACHED: every channel tried kept the message in the outbox or failed (${channels.join(', ')})`
      : channels.length
        ? `${recipient.name} NOT REACHED on any channel (${channels.join(', ')})`
        : `${recipient.name} NOT REACHED: has none of the channels ${n.channels.join(', ')}`,
    { step: n.step },
  );
}

/** Sends one notification to every recipient of its targets; resolves when all were tried. */
export async function notify(incident: IncidentState, n: Notification): Promise<void> {
  const recipients = new Map<string, Recipient>();
  if (patched(RESOLVE_AUDIENCE_LOCALLY)) {
    const at = incident.now();
    const answers = await Promise.all(
      n.targets.map((target) =>
        local.resolveAudience({ target, at }).then(
          (resolved) => ({ resolved }),
          (err: unknown) => ({ failed: failureReason(err) }),
        ),
      ),
    );
    n.targets.forEach((target, i) => {
      const answer = answers[i]!;
      if ('resolved' in answer) for (const r of answer.resolved) recipients.set(r.id, r);
      else incident.record('notification', `cannot resolve "${target}": ${answer.failed}`, { step: n.step });
    });
  } else {
    // Incidents started before the patch resolve each target by a (remote) activity, in turn.
    for (const target of n.targets) {
      try {
        const resolved = await resolveAudience.executeWithOptions({ summary: `who is "${target}"` }, [
          { target, at: incident.now() },
        ]);
        for (const r of resolved) recipients.set(r.id, r);
      } catch (err) {
        incident.record('notification', `cannot resolve "${target}": ${failureReason(err)}`, {
          step: n.step,
        });
      }
    }
  }
  await Promise.all([...recipients.values()].map((r) => deliver(incident, r, n)));
}
