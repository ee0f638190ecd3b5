/**
 * Reading an incident and acting on it for a person in a browser (signed links, the status
 * page): the same updates the CLI sends, with answers a page can show. If no worker answers in
 * time, the request goes as a signal, which Temporal keeps until a worker runs.
 */
import {
  isGrpcServiceError,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import type { IncidentStatus } from '../domain/incident';
import { statusQuery } from '../workflows/messages';

export const ANSWER_WITHIN_MS = 10_000;

export type IncidentRead =
  { ok: true; status: IncidentStatus } | { ok: false; httpStatus: 404 | 410 | 503; reason: string };

export function isTemporalUnavailable(err: unknown): boolean {
  return err instanceof ServiceError || isGrpcServiceError(err);
}

/** The running incident's status, or why it cannot be had. */
export async function readIncident(client: Client, incidentId: string): Promise<IncidentRead> {
  const handle = client.workflow.getHandle(incidentId);
  try {
    return await client.withDeadline(Date.now() + ANSWER_WITHIN_MS, async () => {
      const { status } = await handle.describe();
      if (status.name !== 'RUNNING')
        return { ok: false, httpStatus: 410, reason: `incident ${incidentId} is closed` } as const;
      return { ok: true, status: await handle.query(statusQuery) } as const;
    });
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      return { ok: false, httpStatus: 404, reason: `there is no incident ${incidentId}` };
    if (isTemporalUnavailable(err))
      return {
        ok: false,
        httpStatus: 503,
        reason:
          'the incident cannot be read right now (Temporal or its workers are not answering); try again in a minute',
      };
    throw err;
  }
}

export type ActionOutcome =
  | { outcome: 'accepted'; message: string }
  /** The incident refused it and recorded the refusal in its timeline. */
  | { outcome: 'refused'; message: string }
  /** No worker answered: sent as a signal, applied (or refused, in the timeline) when one runs. */
  | { outcome: 'queued'; message: string };

export async function sendUpdate<A>(
  client: Client,
  incidentId: string,
  update: UpdateDefinition<string, [A]>,
  signal: SignalDefinition<[A]>,
  arg: A,
): Promise<ActionOutcome> {
  const handle = client.workflow.getHandle(incidentId);
  try {
    const message = await client.withDeadline(Date.now() + ANSWER_WITHIN_MS, () =>
      handle.executeUpdate(update, { args: [arg] as [A] }),
    );
    return { outcome: 'accepted', message: String(message) };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const reason = (err.cause as Error | undefined)?.message ?? err.message;
      return { outcome: 'refused', message: reason.replace(/^refused: /, '') };
    }
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      await handle.signal(signal, arg);
      return {
        outcome: 'queued',
        message: `no worker answered within ${ANSWER_WITHIN_MS / 1000}s: your request is recorded and applied as soon as a worker runs; the incident's timeline will show the outcome`,
      };
    }
    throw err;
  }
}
