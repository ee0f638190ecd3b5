/** Reading one incident's status, with failures a page or a command can show (404, 410, 503). */
import { setTimeout as sleep } from 'node:timers/promises';
import { status as grpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError, ServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { IncidentStatus } from '../domain/incident';
import { statusQuery } from '../workflows/messages';
import { ANSWER_WITHIN_MS } from './actions';

export type IncidentRead =
  { ok: true; status: IncidentStatus } | { ok: false; httpStatus: 404 | 410 | 503; reason: string };

export function isTemporalUnavailable(err: unknown): boolean {
  return err instanceof ServiceError || isGrpcServiceError(err);
}

/** The incident's `status` query: its whole state as the status page and the CLI show it. */
export function queryStatus(client: Client, incidentId: string): Promise<IncidentStatus> {
  return client.workflow.getHandle(incidentId).query(statusQuery);
}

/** How long to wait before asking a busy incident again. */
const BUSY_PAUSE_MS = 250;

/**
 * The server holds one query at a time for a workflow whose task is in flight and refuses the
 * next (RESOURCE_EXHAUSTED, "consistent query buffer is full"): in an alert storm, most reads of
 * the incident. The workflow is fine and answers once its task is done.
 */
export function isBusyIncident(err: unknown): boolean {
  const cause = err instanceof ServiceError ? err.cause : err;
  return (
    isGrpcServiceError(cause) &&
    cause.code === grpcStatus.RESOURCE_EXHAUSTED &&
    /query buffer is full/.test(cause.details)
  );
}

/**
 * The status query, asked again every quarter second while the incident is busy, until
 * `deadline` (epoch ms) would pass; then the last refusal is thrown. A client without Temporal's
 * gRPC retry (the gateway's, which answers alerts at once) needs this; with it, it costs nothing.
 */
export async function queryStatusWhenFree(
  client: Client,
  incidentId: string,
  deadline: number,
): Promise<IncidentStatus> {
  for (;;) {
    try {
      return await queryStatus(client, incidentId);
    } catch (err) {
      if (!isBusyIncident(err) || Date.now() + BUSY_PAUSE_MS >= deadline) throw err;
      await sleep(BUSY_PAUSE_MS);
    }
  }
}

/**
 * The status of a running incident (its query) or of a completed one (its result); for an
 * incident that ended otherwise (failed, terminated), how it ended.
 */
export async function statusOrResult(
  client: Client,
  incidentId: string,
): Promise<{ status: IncidentStatus } | { ended: string }> {
  const handle = client.workflow.getHandle(incidentId);
  const { status: run } = await handle.describe();
  if (run.name === 'RUNNING') return { status: await handle.query(statusQuery) };
  if (run.name === 'COMPLETED') return { status: (await handle.result()) as IncidentStatus };
  return { ended: run.name.toLowerCase() };
}

/** The running incident's status, or why it cannot be had. */
export async function readIncident(client: Client, incidentId: string): Promise<IncidentRead> {
  const handle = client.workflow.getHandle(incidentId);
  const deadline = Date.now() + ANSWER_WITHIN_MS;
  try {
    return await client.withDeadline(deadline, async () => {
      const { status } = await handle.describe();
      if (status.name !== 'RUNNING')
        return { ok: false, httpStatus: 410, reason: `incident ${incidentId} is closed` } as const;
      return { ok: true, status: await queryStatusWhenFree(client, incidentId, deadline) } as const;
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
