/** How an incident's answer to an action reads over HTTP, the same on every route. */
import type { FastifyReply } from 'fastify';
import type { ActionOutcome } from '../client/actions';

const STATUS: Record<ActionOutcome['outcome'], number> = {
  accepted: 200,
  /** Recorded as a signal, applied when a worker runs. */
  queued: 202,
  refused: 409,
  /** Not applied: too many requests on the incident at once. */
  busy: 429,
};

export function actionHttpStatus(result: ActionOutcome): number {
  return STATUS[result.outcome];
}

/** Status code, and Retry-After when sending the same request again will help. */
export function replyWithOutcome(reply: FastifyReply, result: ActionOutcome): FastifyReply {
  if (result.outcome === 'busy') void reply.header('retry-after', String(result.retryAfterSeconds));
  return reply.status(actionHttpStatus(result));
}
