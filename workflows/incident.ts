/**
 * One lockout, from the first alert to the last legal deadline: run the runbook's steps, escalate
 * while nobody acknowledges, watch every clock, and close with a summary when someone resolves.
 * Long incidents hand their state to a fresh run (continue-as-new) so history stays small.
 */
import { allHandlersFinished, condition, continueAsNew } from '@temporalio/workflow';
import type { IncidentInput, IncidentStatus } from '../domain/incident';
import { progressed } from '../domain/incident-progress';
import { allSteps } from '../domain/runbook';
import { watchAlertsResolved } from './alerts-resolved';
import { watchClocks } from './clocks';
import { escalate } from './escalation';
import { archiveOnClose } from './evidence';
import { reviewAfterResolution } from './review';
import { IncidentState } from './incident-state';
import { notify } from './notify';
import { moveWhenReclassified } from './reclassify';
import { handleResponders } from './responders';
import { repeatNotifyStep, runSteps } from './steps';

export async function lockoutIncident(input: IncidentInput): Promise<IncidentStatus> {
  const incident = new IncidentState(input);
  handleResponders(incident);
  if (input.carried && input.carried.status.runbook.id !== input.runbook.id) {
    incident.record(
      'step',
      `continued in a new run with runbook ${input.runbook.id} v${input.runbook.version}`,
    );
  } else if (input.carried) {
    incident.record('step', `continued in a new run (history handed over)`);
  } else {
    incident.record('step', `incident opened with runbook ${input.runbook.id} v${input.runbook.version}`);
  }
  // The deadlines go out with the first publish, not in a second upsert when the clocks start.
  if (incident.clocksBeforeFirstPublish) incident.refreshClocks();
  incident.publish();

  const background = [
    escalate(incident),
    watchClocks(incident),
    watchAlertsResolved(incident),
    ...resumeRepeaters(incident),
  ];
  // A reclassification ends this run with a continue-as-new onto the new runbook.
  return Promise.race([moveWhenReclassified(incident), respond(incident, input, background)]);
}

/** The runbook's steps, then the closing summary, then the legal deadlines. */
async function respond(
  incident: IncidentState,
  input: IncidentInput,
  background: Promise<unknown>[],
): Promise<IncidentStatus> {
  if (!incident.engine.stepsDone) {
    await runSteps(incident, input.runbook.steps, {
      startAt: incident.engine.cursor,
      at: (index) => incident.apply(progressed, { cursor: index }),
      handOver: () => continueAsNewIfLong(incident),
    });
    incident.apply(progressed, { stepsDone: true });
    if (!incident.resolved) incident.record('step', 'runbook steps finished; waiting for resolution');
  }

  await waitUntil(incident, () => incident.resolved);
  if (!incident.engine.closingSent) {
    incident.changed();
    await notify(incident, {
      step: 'resolution',
      targets: input.runbook.onResolve.notify,
      template: input.runbook.onResolve.template,
      channels: input.runbook.onResolve.channels ?? ['email'],
    });
    incident.apply(progressed, { closingSent: true });
  }
  await reviewAfterResolution(incident, () => continueAsNewIfLong(incident));

  // Legal deadlines outlive the incident: stay until each is met or missed.
  const legalOpen = () =>
    incident.clocks.some((c) => c.legal && (c.state === 'running' || c.state === 'waiting'));
  if (legalOpen())
    incident.record('clock', 'resolved; staying open until the legal deadlines are met or missed');
  await waitUntil(incident, () => !legalOpen());
  await archiveOnClose(incident);

  incident.finished = true;
  await Promise.all(background);
  await condition(allHandlersFinished);
  return incident.status();
}

/** Waits for a condition, handing over to a fresh run whenever the history grows long. */
async function waitUntil(incident: IncidentState, done: () => boolean): Promise<void> {
  for (;;) {
    await condition(() => done() || incident.historyIsLong());
    if (done()) return;
    await continueAsNewIfLong(incident);
  }
}

async function continueAsNewIfLong(incident: IncidentState): Promise<void> {
  if (!incident.historyIsLong()) return;
  await condition(() => incident.busy === 0 && incident.working === 0 && allHandlersFinished());
  await continueAsNew<typeof lockoutIncident>({ ...incident.input, carried: incident.carry() });
}

/** Cadence notifications that were running before a continue-as-new carry on. */
function resumeRepeaters(incident: IncidentState): Promise<void>[] {
  if (!incident.input.carried) return [];
  return Object.keys(incident.engine.repeaters).flatMap((id) => {
    const step = allSteps(incident.runbook.steps).find((s) => s.id === id);
    return step?.kind === 'notify' && step.every ? [repeatNotifyStep(incident, step)] : [];
  });
}
