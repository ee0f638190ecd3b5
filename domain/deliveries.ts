/**
 * What a notification step achieved, from its delivery attempts. Only a delivery counts as
 * reaching someone: a message kept in the outbox (channel not configured) did not.
 */
import type { Delivery, StepResult } from './incident';

export function notifyOutcome(deliveries: readonly Delivery[]): StepResult {
  const recipients = [...new Set(deliveries.map((d) => d.recipient))];
  if (!recipients.length) return { ok: false, summary: 'nobody to notify' };
  const reached = recipients.filter((r) =>
    deliveries.some((d) => d.recipient === r && d.outcome === 'delivered'),
  );
  const outboxed = recipients.filter(
    (r) => !reached.includes(r) && deliveries.some((d) => d.recipient === r && d.outcome === 'outboxed'),
  );
  const unreached = recipients.filter((r) => !reached.includes(r) && !outboxed.includes(r));
  const parts = [`reached ${reached.length} of ${recipients.length}`];
  if (outboxed.length) parts.push(`in the outbox, not delivered: ${outboxed.join(', ')}`);
  if (unreached.length) parts.push(`not reached: ${unreached.join(', ')}`);
  return {
    ok: reached.length === recipients.length,
    summary: parts.join('; '),
    data: { reached, outboxed, unreached },
  };
}
