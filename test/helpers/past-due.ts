/**
 * "It did not happen" is only a check once it could have happened. On the dev server (real time)
 * this waits until `dueAt` has passed, with a margin, and then makes the incident run a workflow
 * task (a request it refuses and that changes nothing else), so that a timer due by then has fired
 * inside the workflow before the test looks. The wait is not an assertion: it is there so the
 * assertion after it can fail.
 */
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { sendAction } from '../../client/actions';

export async function waitPastDue(client: Client, incidentId: string, dueAt: number): Promise<void> {
  const wait = dueAt + 2_000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const probe = await sendAction(client, incidentId, 'approve', { step: 'past-due-probe', by: 'nobody' });
  assert.equal(probe.outcome, 'refused', `the probe is refused, not ${probe.outcome}: ${probe.message}`);
}

/** When the timeline first says `summary` matches (ms since the epoch). */
export function timelineAt(
  timeline: readonly { at: string; summary: string }[],
  summary: RegExp,
  what: string,
): number {
  const entry = timeline.find((e) => summary.test(e.summary));
  assert.ok(entry, `${what}: no ${summary} in the timeline`);
  return Date.parse(entry.at);
}
