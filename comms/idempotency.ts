/**
 * Deterministic idempotency keys: same incident, step, recipient and channel → same key. The
 * incident is one instance of its id (`instance`: the time it was detected), so a fingerprint that
 * fires again after its incident closed gets new keys and its responders are told again.
 */
import { createHash } from 'node:crypto';
import type { Channel } from '../domain/runbook';

export function idempotencyKey(
  incidentId: string,
  step: string,
  recipientId: string,
  channel: Channel,
  instance?: string,
): string {
  return createHash('sha256')
    .update(
      `${incidentId}\n${instance === undefined ? '' : `${instance}\n`}${step}\n${recipientId}\n${channel}`,
    )
    .digest('hex')
    .slice(0, 32);
}
