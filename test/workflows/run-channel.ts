/**
 * Test workflow: runs one channel activity with a given retry policy on a real worker, so that
 * retries, non-retryable failures and Retry-After delays are Temporal's own, not simulated.
 */
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { DeliveryReceipt, SendInput } from '../../activities/message';
import type { NotificationInput, NotificationOutcome } from '../../activities/notification';

export type ChannelActivity =
  'sendEmail' | 'sendSms' | 'placeVoiceCall' | 'postWebhook' | 'deliverNotification';

export type ChannelOutcome<R = DeliveryReceipt | NotificationOutcome> =
  { ok: true; receipt: R } | { ok: false; type: string; message: string; nonRetryable: boolean };

export async function runChannel(
  activity: ChannelActivity,
  input: SendInput | NotificationInput,
  maximumAttempts: number,
): Promise<ChannelOutcome> {
  const activities = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    retry: { initialInterval: '50ms', backoffCoefficient: 1, maximumAttempts },
  });
  try {
    const run = activities[activity] as (input: unknown) => Promise<DeliveryReceipt | NotificationOutcome>;
    return { ok: true, receipt: await run(input) };
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    if (cause instanceof ApplicationFailure)
      return {
        ok: false,
        type: cause.type ?? '',
        message: cause.message,
        nonRetryable: Boolean(cause.nonRetryable),
      };
    throw err;
  }
}
