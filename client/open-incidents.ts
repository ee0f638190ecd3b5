/** The statuses of the open incidents, straight from Temporal (visibility, then each `status` query). */
import type { Client } from '@temporalio/client';
import type { IncidentStatus } from '../domain/incident';
import { queryStatus } from './status';
import { ANSWER_WITHIN_MS } from './actions';
import { incidentsQuery } from './ids';

const OPEN_INCIDENTS_QUERY = incidentsQuery({ running: true });

export async function openIncidents(
  client: Client,
  limit = 100,
): Promise<{ statuses: IncidentStatus[]; unreadable: string[] }> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: OPEN_INCIDENTS_QUERY, pageSize: limit })) {
    ids.push(wf.workflowId);
    if (ids.length >= limit) break;
  }
  const read = await Promise.all(
    ids.map(async (id) => {
      try {
        return await client.withDeadline(Date.now() + ANSWER_WITHIN_MS, () => queryStatus(client, id));
      } catch {
        return id; // closed meanwhile, or no worker answers queries right now
      }
    }),
  );
  return {
    statuses: read.filter((r): r is IncidentStatus => typeof r !== 'string'),
    unreadable: read.filter((r): r is string => typeof r === 'string'),
  };
}

/**
 * One listing shared by every open page for `ttlMs`: a hundred viewers polling every 5 s ask
 * Temporal once per period, not a hundred times. `refresh()` drops it after a decision.
 */
export function sharedOpenIncidents(client: Client, ttlMs = 2_000) {
  let last: { at: number; value: ReturnType<typeof openIncidents> } | undefined;
  return {
    get(): ReturnType<typeof openIncidents> {
      if (!last || Date.now() - last.at > ttlMs) {
        const value = openIncidents(client);
        last = { at: Date.now(), value };
        value.catch(() => (last = undefined)); // a failure is not cached
      }
      return last.value;
    },
    refresh(): void {
      last = undefined;
    },
  };
}
