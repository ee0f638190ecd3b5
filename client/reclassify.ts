/**
 * Reclassifying a running incident, for every front end (CLI, status page): send the
 * `reclassify` action, then follow the incident until it has moved to the new runbook or refused
 * the move (a runbook that does not exist is only known once a worker looked it up), so a person
 * hears the outcome rather than "accepted".
 */
import type { Client } from '@temporalio/client';
import type { IncidentStatus } from '../domain/incident';
import type { ReclassifyInput } from '../domain/responder-input';
import { sendAction, type ActionOutcome, type SendOptions } from './actions';
import { queryStatus } from './status';

export type ReclassifyOutcome =
  | ActionOutcome
  /** It follows the new runbook now (a fresh run carries everything over). */
  | { outcome: 'moved'; message: string; runbook: IncidentStatus['runbook'] }
  /** It was already so, or the same request is being carried out: nothing changed. */
  | { outcome: 'unchanged'; message: string }
  /** Accepted, and not carried out within the wait (a step was still working): the timeline will show it. */
  | { outcome: 'pending'; message: string };

export interface ReclassifyOptions extends SendOptions {
  /** How long to follow the incident after it accepted (default 20 s). */
  followForMs?: number;
}

const FOLLOW_FOR_MS = 20_000;
const POLL_MS = 250;

export async function reclassifyIncident(
  client: Client,
  incidentId: string,
  input: Omit<ReclassifyInput, 'id'>,
  options: ReclassifyOptions = {},
): Promise<ReclassifyOutcome> {
  const sent = await sendAction(client, incidentId, 'reclassify', input, options);
  if (sent.outcome !== 'accepted') return sent;
  if (!sent.message.startsWith('reclassification to '))
    return { outcome: 'unchanged', message: sent.message };
  const deadline = Date.now() + (options.followForMs ?? FOLLOW_FOR_MS);
  for (;;) {
    const settled = outcomeIn(await queryStatus(client, incidentId).catch(() => undefined));
    if (settled) return settled;
    if (Date.now() >= deadline)
      return {
        outcome: 'pending',
        message: `${sent.message}; not carried out yet (a step is still working), the timeline will show it`,
      };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** What became of the latest request in the timeline: moved, refused, or not yet decided. */
function outcomeIn(status: IncidentStatus | undefined): ReclassifyOutcome | undefined {
  if (!status) return undefined;
  const { timeline } = status;
  let asked = timeline.length - 1;
  while (asked >= 0 && !timeline[asked]!.summary.startsWith('reclassification to ')) asked--;
  const after = timeline.slice(asked + 1);
  const moved = after.find((e) => e.kind === 'reclassified' && e.summary.startsWith('reclassified by '));
  if (moved) return { outcome: 'moved', message: moved.summary, runbook: status.runbook };
  const refused = after.find((e) => e.kind === 'refused' && e.summary.startsWith('reclassify by '));
  if (refused)
    return { outcome: 'refused', message: refused.summary.replace(/^reclassify by \S+ refused: /, '') };
  return undefined;
}
