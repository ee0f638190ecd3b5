/**
 * What every channel does before sending: check the input, render the template for the
 * recipient, derive the idempotency key, and look for an earlier acceptance of the same message.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { z } from 'zod';
import { MessageAbout, messageContext } from '../comms/context';
import type { Recipient } from '../comms/directory';
import { idempotencyKey } from '../comms/idempotency';
import { writeOutbox } from '../comms/outbox';
import type { SendHolder, SentEntry } from '../comms/sent-ledger';
import { renderTemplate, type RenderedMessage } from '../comms/templates';
import type { Delivery, IncidentStatus } from '../domain/incident';
import type { Channel } from '../domain/runbook';
import { linksForMessage } from '../links/issue';
import type { ActivityDeps } from './deps';
import { permanent, transient } from './failures';
import { countThisDelivery } from './metrics';

/** The input of every send activity (sendEmail, sendSms, placeVoiceCall, postWebhook). */
export const SendInput = z.object({
  incidentId: z.string().min(1),
  /** Runbook step (or escalation level) this message belongs to: part of the idempotency key. */
  step: z.string().min(1),
  recipient: z.looseObject({
    id: z.string().min(1),
    name: z.string().min(1),
    email: z.string().optional(),
    phone: z.string().optional(),
    timezone: z.string().optional(),
  }),
  template: z.string().min(1),
  /** The incident as the workflow saw it when it asked for this message. */
  status: z.looseObject({ incidentId: z.string(), facts: z.looseObject({ title: z.string() }) }),
  /** The workflow's time of the request (ISO): "as of" in the message. */
  at: z.string().optional(),
  about: MessageAbout.optional(),
});
export interface SendInput {
  incidentId: string;
  step: string;
  recipient: Recipient;
  template: string;
  status: IncidentStatus;
  at?: string;
  about?: MessageAbout;
}

export interface DeliveryReceipt {
  outcome: Extract<Delivery['outcome'], 'delivered' | 'outboxed'>;
  messageId: string;
  detail: string;
}

export const NOT_CONFIGURED = 'not delivered: channel not configured';

export interface PreparedMessage {
  input: SendInput;
  channel: Channel;
  key: string;
  message: RenderedMessage;
  /** A receipt from an earlier attempt that the provider accepted: return it, send nothing. */
  earlier?: DeliveryReceipt;
}

/** Templates that print the timeline, the delivery log or the steps need the full status (see notify.ts). */
const HISTORY_ATTEMPTS = 3;
const USES_HISTORY = /\b(timeline|deliveries|steps)\b/;

export async function prepareMessage(
  deps: ActivityDeps,
  channel: Channel,
  raw: unknown,
): Promise<PreparedMessage> {
  const parsed = SendInput.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join('.') || 'input'}: ${i.message}`)
      .join('; ');
    throw permanent(`${channel}: invalid input: ${problems}`, 'InvalidArguments');
  }
  const input = raw as SendInput;
  const template = deps.templates().get(input.template);
  if (!template)
    throw permanent(
      `unknown template "${input.template}" (known: ${[...deps.templates().keys()].join(', ')})`,
      'UnknownTemplate',
    );
  // The workflow sends a compact status (no timeline, delivery log or steps) to keep its history
  // small; templates that print them get the full status from the workflow itself.
  let status = input.status;
  const source = template.source;
  const usesHistory = [source.subject, source.text, source.html ?? '', source.sms ?? ''].some((t) =>
    USES_HISTORY.test(t),
  );
  if (usesHistory && status.timeline.length === 0 && deps.incidentStatus) {
    try {
      status = await deps.incidentStatus(input.incidentId);
    } catch (err) {
      // A report without its timeline beats no report: after a few tries, send what we have.
      if (Context.current().info.attempt < HISTORY_ATTEMPTS) {
        throw transient(
          `cannot read the incident's timeline for ${input.template}: ${(err as Error).message}`,
        );
      }
    }
  }
  let message: RenderedMessage;
  try {
    const context = messageContext(status, input.recipient, {
      links: deps.links(input.incidentId),
      directory: deps.directory(),
      asOf: input.at,
      about: input.about,
      recipientLinks: linksForMessage(deps.signedLinks, {
        incidentId: input.incidentId,
        step: input.step,
        recipientId: input.recipient.id,
        isPerson: Object.hasOwn(deps.directory().people, input.recipient.id),
        status: input.status,
        approvalStep: input.about?.approval,
        at: input.at,
      }),
    });
    message = renderTemplate(template, context);
  } catch (err) {
    throw permanent((err as Error).message, 'TemplateError');
  }
  const instance = input.status.detectedAt;
  const key = idempotencyKey(input.incidentId, input.step, input.recipient.id, channel, instance);
  // Keys of sends from before keys named the instance: theirs only if sent during this incident.
  const legacy = await deps.messaging.sent.get(
    idempotencyKey(input.incidentId, input.step, input.recipient.id, channel),
  );
  const sent =
    legacy && instance && legacy.at >= instance ? legacy : await claimOrEarlier(deps, key, channel);
  const earlier = sent && {
    outcome: 'delivered' as const,
    messageId: sent.messageId,
    detail: `already accepted at ${sent.at} (${sent.detail}); not sent again`,
  };
  return { input, channel, key, message, earlier };
}

/**
 * Claims the message for this attempt, or returns the acceptance an earlier attempt recorded.
 * Another execution sending it right now (a second worker racing this one): wait for it.
 */
async function claimOrEarlier(
  deps: ActivityDeps,
  key: string,
  channel: Channel,
): Promise<SentEntry | undefined> {
  const claim = await deps.messaging.sent.claim(key, thisAttempt(key));
  if (claim.kind === 'accepted') return claim.sent;
  if (claim.kind === 'busy')
    throw ApplicationFailure.create({
      message: `${channel}: another worker is sending this message (${claim.holder}); waiting for its outcome`,
      type: 'SendInProgress',
      nextRetryDelay: Math.min(Math.max(claim.msLeft, 1_000), 30_000),
    });
  return undefined;
}

/**
 * This run's sending of message `key`, and the attempt; the claim lasts as long as Temporal lets
 * the attempt run. Named by the message, not the activity: a notification's first try
 * (activities/notification.ts) hands a transient failure to a send activity of its own, which
 * takes the claim over at once instead of waiting for the first one's lease to run out.
 */
function thisAttempt(key: string): SendHolder {
  try {
    const info = Context.current().info;
    const run = info.workflowExecution;
    return {
      holder: `${run?.workflowId ?? info.activityType}/${run?.runId ?? ''}/${key}`,
      attempt: info.attempt,
      leaseMs: info.startToCloseTimeoutMs || DEFAULT_CLAIM_MS,
    };
  } catch {
    return { holder: 'outside-a-worker', attempt: 1, leaseMs: DEFAULT_CLAIM_MS };
  }
}

const DEFAULT_CLAIM_MS = 60_000;

/** Records an acceptance so that no retry of the same step sends it again. */
export async function accepted(
  deps: ActivityDeps,
  prepared: PreparedMessage,
  messageId: string,
  detail: string,
): Promise<DeliveryReceipt> {
  try {
    await deps.messaging.sent.put(prepared.key, { messageId, detail });
  } catch (err) {
    // The provider has it: failing now would send it again. Only a retry of this very attempt
    // (a worker lost before it reports) could miss the ledger.
    log.warn('sent ledger not written; the delivery stands', {
      key: prepared.key,
      err: (err as Error).message,
    });
  }
  countThisDelivery('delivered');
  const { attempt } = Context.current().info;
  return { outcome: 'delivered', messageId, detail: attempt > 1 ? `${detail} (attempt ${attempt})` : detail };
}

/** The channel has no credentials: the message waits in the outbox, and the incident says so. */
export async function outboxed(
  deps: ActivityDeps,
  prepared: PreparedMessage,
  address: string | undefined,
  why: string,
  payload?: unknown,
): Promise<DeliveryReceipt> {
  const { input, message, channel, key } = prepared;
  countThisDelivery('outboxed');
  const write = deps.messaging.sharedOutbox ?? ((k, r) => writeOutbox(deps.messaging.outboxDir, k, r));
  await write(key, {
    channel,
    incidentId: input.incidentId,
    step: input.step,
    recipient: { id: input.recipient.id, name: input.recipient.name, address },
    ...message,
    payload,
    reason: why,
    writtenAt: new Date().toISOString(),
  });
  return {
    outcome: 'outboxed',
    messageId: key,
    detail: `${NOT_CONFIGURED} (${why}; stored in ${deps.messaging.sharedOutbox ? 'the shared outbox' : `outbox/${channel}/`})`,
  };
}
