/** The statuses of the open incidents, straight from Temporal (visibility, then each `status` query). */
import type { Client } from '@temporalio/client';
import type { IncidentStatus } from '../domain/incident';
import { statusQuery } from '../workflows/messages';
import { ANSWER_WITHIN_MS } from './incident-access';

export const OPEN_INCIDENTS_QUERY = `WorkflowType = 'lockoutIncident' AND ExecutionStatus = 'Running'`;

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
        return await client.withDeadline(Date.now() + ANSWER_WITHIN_MS, () =>
          client.workflow.getHandle(id).query(statusQuery),
        );
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
