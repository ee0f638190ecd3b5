/** Deterministic idempotency keys: same incident, step, recipient and channel → same key. */
import { createHash } from 'node:crypto';
import type { Channel } from '../domain/runbook';

export function idempotencyKey(
  incidentId: string,
  step: string,
  recipientId: string,
  channel: Channel,
): string {
  return createHash('sha256')
    .update(`${incidentId}\n${step}\n${recipientId}\n${channel}`)
    .digest('hex')
    .slice(0, 32);
}
