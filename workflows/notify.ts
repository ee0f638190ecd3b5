/**
 * Telling people: resolve each target to recipients, then try each recipient's channels in the
 * runbook's order until one takes the message. Every attempt lands in the timeline.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Recipient } from '../comms/directory';
import type { Channel } from '../domain/runbook';
import type { IncidentState } from './incident-state';

const { resolveAudience } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5 },
});

/** Transient failures are retried for up to ten minutes, then the next channel is tried. */
const senders = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '10m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m' },
});

export interface Notification {
  /** Step id or `escalation-<level>`: names the message in the timeline and its idempotency key. */
  step: string;
  targets: string[];
  template: string;
  channels: Channel[];
  /** What the message is about beyond the incident (an approval, a clock), for the template. */
  about?: Record<string, unknown>;
}

function failureReason(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof ApplicationFailure) return cause.message;
  return (err as Error).message;
}

async function deliver(incident: IncidentState, recipient: Recipient, n: Notification): Promise<boolean> {
  for (const channel of n.channels) {
    const at = incident.now();
    if (channel !== 'email') {
      incident.deliveries.push({
        at,
        step: n.step,
        recipient: recipient.id,
        channel,
        outcome: 'failed',
        detail: 'channel not available yet',
      });
      continue;
    }
    try {
      const receipt = await senders.sendEmail.executeWithOptions(
        { summary: `${n.template} to ${recipient.id} by email` },
        [
          {
            incidentId: incident.id,
            step: n.step,
            recipient,
            template: n.template,
            status: incident.status(),
            about: n.about,
          },
        ],
      );
      incident.deliveries.push({
        at: incident.now(),
        step: n.step,
        recipient: recipient.id,
        channel,
        ...receipt,
      });
      incident.record(
        'notification',
        `${n.template} → ${recipient.name} by ${channel}: ${receipt.outcome === 'outboxed' ? 'stored in outbox (not delivered: SMTP not configured)' : 'delivered'}`,
        { step: n.step },
      );
      return true;
    } catch (err) {
      const detail = failureReason(err);
      incident.deliveries.push({
        at: incident.now(),
        step: n.step,
        recipient: recipient.id,
        channel,
        outcome: 'failed',
        detail,
      });
      incident.record('notification', `${n.template} → ${recipient.name} by ${channel} failed: ${detail}`, {
        step: n.step,
      });
    }
  }
  incident.record('notification', `${recipient.name} NOT REACHED on any channel (${n.channels.join(', ')})`, {
    step: n.step,
  });
  return false;
}

/** Sends one notification to every recipient of its targets; resolves when all were tried. */
export async function notify(incident: IncidentState, n: Notification): Promise<void> {
  const recipients = new Map<string, Recipient>();
  for (const target of n.targets) {
    try {
      const resolved = await resolveAudience.executeWithOptions({ summary: `who is "${target}"` }, [target]);
      for (const r of resolved) recipients.set(r.id, r);
    } catch (err) {
      incident.record('notification', `cannot resolve "${target}": ${failureReason(err)}`, { step: n.step });
    }
  }
  await Promise.all([...recipients.values()].map((r) => deliver(incident, r, n)));
}
