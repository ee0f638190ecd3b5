/**
 * How a delivery failure is reported to Temporal. Permanent failures (invalid number, rejected
 * address, a 4xx from a webhook) are non-retryable, so the workflow moves on to the recipient's
 * next channel at once; rate limits are retried exactly when the provider says (Retry-After).
 */
import { ApplicationFailure } from '@temporalio/activity';
import { countThisDelivery } from './metrics';

export function permanent(message: string, type = 'PermanentDeliveryError'): ApplicationFailure {
  countThisDelivery('rejected');
  return ApplicationFailure.nonRetryable(message, type);
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: unknown, now = Date.now()): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A 429: retried after the provider's Retry-After (or the activity's normal backoff without one). */
export function rateLimited(message: string, retryAfter: unknown): ApplicationFailure {
  const delay = retryAfterMs(retryAfter);
  countThisDelivery('failed');
  return ApplicationFailure.create({
    message: `${message}${delay === undefined ? '' : ` (retry after ${Math.ceil(delay / 1000)}s)`}`,
    type: 'RateLimited',
    ...(delay === undefined ? {} : { nextRetryDelay: Math.max(delay, 100) }),
  });
}

export function transient(message: string, type = 'TransientDeliveryError'): ApplicationFailure {
  countThisDelivery('failed');
  return ApplicationFailure.retryable(message, type);
}
