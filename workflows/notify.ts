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
  proxyActivities,
  proxyLocalActivities,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DeliveryReceipt } from '../activities/message';
import type { NotificationOutcome, RecipientOutcome } from '../activities/notification';
import type { MessageAbout } from '../comms/context';
import type { Recipient } from '../comms/directory';
import type { Channel } from '../domain/runbook';
import type { IncidentState } from './incident-state';
import { deliveryRecorded } from '../domain/incident-progress';
import { channelsFor } from '../domain/reach';

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

/** A whole notification, first attempts only: short, and retried as a whole. */
const notification = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '20s', maximumAttempts: 3 },
});

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

function describe(receipt: DeliveryReceipt): string {
  return receipt.outcome === 'outboxed' ? receipt.detail : `delivered, message id ${receipt.messageId}`;
}

/** Records a channel that took the message (or kept it in the outbox); true: try the next one. */
function recordReceipt(
  incident: IncidentState,
  n: Notification,
  recipient: Recipient,
  channel: Channel,
  next: Channel | undefined,
  receipt: DeliveryReceipt,
): boolean {
  incident.apply(deliveryRecorded, {
    at: incident.now(),
    step: n.step,
    recipient: recipient.id,
    channel,
    ...receipt,
  });
  // A channel without credentials reached nobody: try the recipient's next one. (Incidents
  // started before this change stopped at the outbox; the patch keeps them replaying.)
  const tryNext =
    receipt.outcome === 'outboxed' && next !== undefined && incident.patched(OUTBOX_TRIES_NEXT_CHANNEL);
  incident.record(
    'notification',
    `${n.template} → ${recipient.name} by ${channel}: ${describe(receipt)}${tryNext ? `; trying ${next}` : ''}`,
    { step: n.step },
  );
  return tryNext;
}

function recordFailure(
  incident: IncidentState,
  n: Notification,
  recipient: Recipient,
  channel: Channel,
  next: Channel | undefined,
  detail: string,
): void {
  incident.apply(deliveryRecorded, {
    at: incident.now(),
    step: n.step,
    recipient: recipient.id,
    channel,
    outcome: 'failed',
    detail,
  });
  incident.record(
    'notification',
    `${n.template} → ${recipient.name} by ${channel} failed: ${detail}${next ? `; trying ${next}` : ''}`,
    { step: n.step },
  );
}

function recordUnreached(
  incident: IncidentState,
  n: Notification,
  recipient: Recipient,
  channels: Channel[],
  outboxed: boolean,
): void {
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

/**
 * Tries the recipient's channels from `from` on, one send activity each, with Temporal's retries.
 * `outboxed`: an earlier channel (tried by deliverNotification) kept the message in the outbox.
 */
async function deliver(
  incident: IncidentState,
  recipient: Recipient,
  n: Notification,
  from = 0,
  outboxedBefore = false,
): Promise<void> {
  const channels = channelsFor(recipient, n.channels);
  let outboxed = outboxedBefore;
  for (const [i, channel] of channels.entries()) {
    if (i < from) continue;
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
      if (!recordReceipt(incident, n, recipient, channel, channels[i + 1], receipt)) return;
      outboxed = true;
    } catch (err) {
      recordFailure(incident, n, recipient, channel, channels[i + 1], failureReason(err));
    }
  }
  recordUnreached(incident, n, recipient, channels, outboxed);
}

/** What deliverNotification did for one recipient, into the record; a transient failure goes on here. */
async function finish(incident: IncidentState, n: Notification, done: RecipientOutcome): Promise<void> {
  const { recipient, channels } = done;
  let outboxed = false;
  for (const attempt of done.attempts) {
    const next = channels[channels.indexOf(attempt.channel) + 1];
    if (attempt.outcome === 'failed') {
      recordFailure(incident, n, recipient, attempt.channel, next, attempt.detail);
      continue;
    }
    const receipt = { outcome: attempt.outcome, messageId: attempt.messageId ?? '', detail: attempt.detail };
    if (!recordReceipt(incident, n, recipient, attempt.channel, next, receipt)) return;
    outboxed = true;
  }
  if (done.retry) return deliver(incident, recipient, n, done.retry.from, outboxed);
  recordUnreached(incident, n, recipient, channels, outboxed);
}

/**
 * Lean incidents: the whole notification in one activity, so telling three people costs one
 * activity (three history events), not one per person and channel. Should it fail altogether,
 * each recipient is tried on its own as before; sends are idempotent, so nobody hears twice.
 */
async function notifyAtOnce(incident: IncidentState, n: Notification): Promise<void> {
  let outcome: NotificationOutcome;
  try {
    outcome = await notification.deliverNotification.executeWithOptions(
      { summary: `${n.template} to ${n.targets.join(', ')}` },
      [
        {
          incidentId: incident.id,
          step: n.step,
          targets: n.targets,
          template: n.template,
          channels: n.channels,
          status: incident.compactStatus(),
          at: incident.now(),
          ...(n.about ? { about: n.about } : {}),
        },
      ],
    );
  } catch (err) {
    incident.record(
      'notification',
      `${n.template}: not sent at once (${failureReason(err)}); telling each recipient in turn`,
      { step: n.step },
    );
    return notifyInTurn(incident, n);
  }
  for (const { target, reason } of outcome.unresolved)
    incident.record('notification', `cannot resolve "${target}": ${reason}`, { step: n.step });
  await Promise.all(outcome.recipients.map((done) => finish(incident, n, done)));
}

/**
 * Sends one notification to every recipient of its targets; resolves when all were tried.
 * Not async: older incidents await the very promise they always did (the order of commands from
 * concurrent coroutines depends on it).
 */
export function notify(incident: IncidentState, n: Notification): Promise<void> {
  return incident.lean ? notifyAtOnce(incident, n) : notifyInTurn(incident, n);
}

/** Incidents from before the lean lifecycle: audiences first, then a send activity per channel. */
async function notifyInTurn(incident: IncidentState, n: Notification): Promise<void> {
  const recipients = new Map<string, Recipient>();
  if (incident.patched(RESOLVE_AUDIENCE_LOCALLY)) {
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
