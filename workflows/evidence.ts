/**
 * On close, the incident archives its evidence pack into the evidence store before it returns,
 * so the pack exists before the closed history can expire (docs/evidence.md). The archive is
 * retried until it succeeds: after a few failures the incident says so where everyone looks
 * (needs attention) and keeps trying, staying open meanwhile.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { IncidentState } from './incident-state';

/** Incidents started before archiving existed close as they did (replay). */
export const EVIDENCE_ARCHIVE_PATCH = 'evidence-archive-on-close';

const retry = { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '10m' } as const;
// A worker that dies while archiving is noticed in 20 s, as with every other activity. (Timeouts
// and retry policies are not part of replay's command check: running incidents replay unchanged.)
const options = { startToCloseTimeout: '10m', heartbeatTimeout: '20s' } as const;
// The first tries come quickly (2, 4, 8, 16 s apart): a lost worker costs its heartbeat timeout,
// not minutes of back-off. Five lost workers take about two minutes before attention, five quick
// refusals (a store that is down) about half a minute.
const firstTries = proxyActivities<Activities>({
  ...options,
  retry: { ...retry, initialInterval: '2s', maximumAttempts: 5 },
});
const untilDone = proxyActivities<Activities>({ ...options, retry });

export async function archiveOnClose(incident: IncidentState): Promise<void> {
  if (!incident.patched(EVIDENCE_ARCHIVE_PATCH)) return;
  const input = { incidentId: incident.id };
  let result;
  try {
    result = await firstTries.archiveEvidence(input);
  } catch (err) {
    incident.needsAttention(
      `the evidence pack could not be archived (${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}); still trying, the incident stays open until it is`,
    );
    result = await untilDone.archiveEvidence(input);
  }
  incident.record('step', result.summary);
}
