/**
 * Carrying out a reclassification (domain/reclassification.ts). The `reclassify` action only
 * records the request; here the incident asks a worker for the new runbook, refuses in its
 * timeline when there is none, and otherwise waits until no step is doing anything, records the
 * move as evidence and hands its whole state to a fresh run that follows the new runbook
 * (continue-as-new, as a long history does). Nothing is lost and nothing is sent again.
 */
import {
  allHandlersFinished,
  condition,
  ContinueAsNew,
  continueAsNew,
  proxyActivities,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RunbookLookup } from '../activities/runbooks';
import type { IncidentInput, IncidentStatus, ReclassificationRequest } from '../domain/incident';
import { progressed } from '../domain/incident-progress';
import { movedToRunbook, runbookAfterMove } from '../domain/reclassification';
import type { Runbook } from '../domain/runbook';
import type { IncidentState } from './incident-state';
import { failureMessage } from './run-activity';

const { runbookForReclassification } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5 },
});

/**
 * Waits for accepted reclassifications for as long as the run lasts. It never resolves: it ends
 * the run with a continue-as-new (the incident awaits it beside its steps), or is left waiting
 * when the incident closes.
 */
export async function moveWhenReclassified(incident: IncidentState): Promise<never> {
  for (;;) {
    await condition(() => incident.engine.reclassification !== undefined);
    const request = incident.engine.reclassification!;
    const wanted = { pattern: request.pattern, ...(request.runbook ? { runbook: request.runbook } : {}) };
    let found: RunbookLookup;
    incident.busy++; // no hand-over to a fresh run while the lookup is out
    try {
      found = await runbookForReclassification.executeWithOptions(
        { summary: `runbook for ${request.runbook ?? request.pattern}` },
        [wanted],
      );
    } catch (err) {
      found = { ok: false, reason: `runbook: could not be fetched (${failureMessage(err)})` };
    } finally {
      incident.busy--;
    }
    if (!found.ok) {
      refuse(incident, request, found.reason);
      continue;
    }
    // Between steps, never in the middle of one (the same rule as any hand-over).
    await condition(() => incident.working === 0 && incident.busy === 0 && allHandlersFinished());
    if (incident.resolved) {
      refuse(incident, request, 'incident resolved before the move');
      continue;
    }
    try {
      await continueOnRunbook(incident, request, found.runbook);
    } catch (err) {
      if (err instanceof ContinueAsNew) throw err;
      // A bug here must not fail the incident: it stays on its runbook and asks for a person.
      incident.apply(progressed, { reclassification: undefined });
      incident.needsAttention(`reclassification to ${request.pattern} failed: ${(err as Error).message}`);
    }
  }
}

function refuse(incident: IncidentState, request: ReclassificationRequest, reason: string): void {
  incident.apply(progressed, { reclassification: undefined });
  incident.record('refused', `reclassify by ${request.by} refused: ${reason}; nothing changed`, {
    actor: request.by,
  });
}

/**
 * Ends this run with a continue-as-new onto the new runbook. The moved record goes to the fresh
 * run only: this run's clock watchers and gates still hold the old runbook's objects.
 */
async function continueOnRunbook(
  incident: IncidentState,
  request: ReclassificationRequest,
  found: Runbook,
): Promise<never> {
  const from = incident.runbook;
  const runbook = runbookAfterMove(from, found);
  const { engine, attention, ...moved } = movedToRunbook(
    incident.snapshot(),
    from,
    runbook,
    request,
    incident.now(),
  );
  // The incident workflow's own signature (workflows/incident.ts), named here without importing it.
  return continueAsNew<(input: IncidentInput) => Promise<IncidentStatus>>({
    ...incident.input,
    runbook,
    facts: moved.facts,
    carried: {
      status: { ...incident.status(), ...moved, ...(attention.length ? { attention } : {}) },
      engine,
    },
  });
}
