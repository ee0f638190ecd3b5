/**
 * Responder actions on a running incident, written once for every front end (CLI, signed links,
 * status page, SMS replies, simulation, bench). Each action is sent as an update, so the incident
 * answers "accepted" or "refused: <why>" at once; if no worker answers in time, the same request
 * goes as the signal of the same name, which Temporal keeps until a worker runs. Both carry one
 * action id, so however the request arrives, and however often, the incident applies it once.
 */
import { randomUUID } from 'node:crypto';
import { status as grpcStatus } from '@grpc/grpc-js';
import {
  isGrpcServiceError,
  ServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import type { LinkRefusalInput } from '../domain/responder-input';
import * as m from '../workflows/messages';

/** Every responder action: the update and the signal of the same name (workflows/messages.ts). */
export const ACTIONS = m.responderActions;

export type ActionName = keyof typeof ACTIONS;
export type ActionInput<N extends ActionName> =
  (typeof ACTIONS)[N]['signal'] extends SignalDefinition<[infer A]> ? A : never;

/** How long a front end waits for a worker before it falls back to the signal. */
export const ANSWER_WITHIN_MS = 10_000;

export type ActionOutcome =
  | { outcome: 'accepted'; message: string }
  /** The incident refused it and recorded the refusal in its timeline. */
  | { outcome: 'refused'; message: string }
  /** No worker answered: sent as a signal, applied (or refused, in the timeline) when one runs. */
  | { outcome: 'queued'; message: string }
  /**
   * Temporal refused to take the request: too many updates are in flight on this incident at
   * once (its limit is 10). Nothing was applied; the same request may be sent again.
   */
  | { outcome: 'busy'; message: string; retryAfterSeconds: number };

/** How long a front end tells a person to wait before sending a busy request again. */
export const BUSY_RETRY_AFTER_SECONDS = 2;

/** gRPC RESOURCE_EXHAUSTED, bare or as the cause of the client's ServiceError. */
function isResourceExhausted(err: unknown): boolean {
  const cause = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(cause) && cause.code === grpcStatus.RESOURCE_EXHAUSTED;
}

export interface SendOptions {
  /** Default ANSWER_WITHIN_MS. */
  answerWithinMs?: number;
  /** The action's id (default: a new UUID): the update's id, and the same id in the signal after it. */
  actionId?: string;
}

/** The gateway refused a signed link: recorded in the incident's timeline (never an action). */
export async function recordRefusedLink(
  client: Client,
  incidentId: string,
  input: LinkRefusalInput,
): Promise<void> {
  await client.workflow.getHandle(incidentId).signal(m.linkRefusedSignal, input);
}

export async function sendAction<N extends ActionName>(
  client: Client,
  incidentId: string,
  name: N,
  input: ActionInput<N>,
  options: SendOptions = {},
): Promise<ActionOutcome> {
  const { update, signal } = ACTIONS[name] as unknown as {
    update: UpdateDefinition<string, [ActionInput<N>]>;
    signal: SignalDefinition<[ActionInput<N>]>;
  };
  const answerWithinMs = options.answerWithinMs ?? ANSWER_WITHIN_MS;
  // One id for the update and the signal that may follow it: the incident applies it once.
  const actionId = options.actionId ?? randomUUID();
  const payload = { ...(input as object), id: actionId } as ActionInput<N>;
  const handle = client.workflow.getHandle(incidentId);
  try {
    const message = await client.withDeadline(Date.now() + answerWithinMs, () =>
      handle.executeUpdate(update, { args: [payload], updateId: actionId }),
    );
    return { outcome: 'accepted', message: String(message) };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const reason = (err.cause as Error | undefined)?.message ?? err.message;
      return { outcome: 'refused', message: reason.replace(/^refused: /, '') };
    }
    if (isResourceExhausted(err))
      return {
        outcome: 'busy',
        message: `the incident is taking too many requests at once: yours was NOT applied; send it again in ${BUSY_RETRY_AFTER_SECONDS} seconds`,
        retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS,
      };
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      await handle.signal(signal, payload);
      return {
        outcome: 'queued',
        message: `no worker answered within ${answerWithinMs / 1000}s: your request is recorded and applied as soon as a worker runs; the incident's timeline will show the outcome`,
      };
    }
    throw err;
  }
}
