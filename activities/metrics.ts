/**
 * Notification outcomes for Prometheus, counted where deliveries happen. The counter goes through
 * the activity's Temporal metric meter, so the worker's one /metrics endpoint (workers/runtime.ts)
 * serves it beside the SDK's own metrics, tagged with the activity and task queue.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Context, metricMeter } from '@temporalio/activity';

/**
 * delivered: the provider accepted it; outboxed: stored locally (no provider configured);
 * failed: this attempt failed and will be retried; rejected: refused for good (no retry).
 */
export type DeliveryOutcome = 'delivered' | 'outboxed' | 'failed' | 'rejected';

/** Counts one delivery attempt; call it from inside an activity, once per attempt. */
export function countDelivery(channel: string, outcome: DeliveryOutcome): void {
  metricMeter
    .createCounter(
      'lockout_notifications',
      'attempts',
      'Notification delivery attempts by channel and outcome',
    )
    .add(1, { channel, outcome });
}

const CHANNEL_OF_ACTIVITY: Record<string, string> = {
  sendEmail: 'email',
  sendSms: 'sms',
  placeVoiceCall: 'voice',
  postWebhook: 'webhook',
};

/** The channel a send runs for when one activity sends on several (activities/notification.ts). */
const sendingOn = new AsyncLocalStorage<string>();

export function sendOn<T>(channel: string, send: () => Promise<T>): Promise<T> {
  return sendingOn.run(channel, send);
}

/** Counts an attempt of the delivery activity running now (no-op outside a delivery activity). */
export function countThisDelivery(outcome: DeliveryOutcome): void {
  const scoped = sendingOn.getStore();
  if (scoped) return countDelivery(scoped, outcome);
  let activityType: string;
  try {
    activityType = Context.current().info.activityType;
  } catch {
    return; // not in an activity (unit tests of the helpers)
  }
  const channel = CHANNEL_OF_ACTIVITY[activityType];
  if (channel) countDelivery(channel, outcome);
}
