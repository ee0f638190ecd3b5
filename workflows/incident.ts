/**
 * One lockout, from the first alert to resolution: run the runbook's steps, escalate while nobody
 * acknowledges, and close with a summary when someone resolves.
 */
import { allHandlersFinished, ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import type { IncidentInput, IncidentStatus } from '../domain/incident';
import { checkAcknowledge, checkResolve } from '../domain/responder-input';
import { durationMs } from '../domain/duration';
import type { Step } from '../domain/runbook';
import { IncidentState } from './incident-state';
import {
  acknowledgeSignal,
  acknowledgeUpdate,
  alertSignal,
  resolveSignal,
  resolveUpdate,
  statusQuery,
} from './messages';
import { notify } from './notify';

export async function lockoutIncident(input: IncidentInput): Promise<IncidentStatus> {
  const incident = new IncidentState(input);
  handleMessages(incident);
  incident.record('step', `incident opened with runbook ${input.runbook.id} v${input.runbook.version}`);
  incident.publish();

  const escalation = escalate(incident);
  await runSteps(incident, input.runbook.steps);
  await condition(() => incident.resolved);
  await escalation;
  await sendClosingSummary(incident);
  await condition(allHandlersFinished);
  return incident.status();
}

function handleMessages(incident: IncidentState): void {
  setHandler(statusQuery, () => incident.status());
  setHandler(alertSignal, (alert) => incident.addAlert(alert));

  const acknowledge = (payload: unknown): string => {
    const checked = checkAcknowledge(payload);
    if (!checked.ok) return refuse(incident, 'acknowledge', checked.reason);
    const { by, note } = checked.value;
    if (incident.resolved) return refuse(incident, 'acknowledge', 'incident already resolved', by);
    incident.acknowledgements.push({ by, at: incident.now(), note });
    incident.record('acknowledgement', `acknowledged by ${by}${note ? `: ${note}` : ''}`, { actor: by });
    if (incident.phase === 'detected') incident.setPhase('acknowledged', by);
    else incident.publish();
    return `acknowledged by ${by}`;
  };

  const resolve = (payload: unknown): string => {
    const checked = checkResolve(payload);
    if (!checked.ok) return refuse(incident, 'resolve', checked.reason);
    const { by, reason } = checked.value;
    if (incident.resolved) return refuse(incident, 'resolve', 'incident already resolved', by);
    incident.resolution = { by, reason, at: incident.now() };
    incident.record('resolution', `resolved by ${by}: ${reason}`, { actor: by });
    incident.setPhase('resolved', by);
    return `resolved by ${by}`;
  };

  // Signals (Web UI, scripts) record refusals in the timeline; updates (CLI, links) also fail
  // with the reason, so the caller sees it at once. Malformed update payloads are rejected by
  // the validator and change nothing.
  setHandler(acknowledgeSignal, (payload) => void acknowledge(payload));
  setHandler(resolveSignal, (payload) => void resolve(payload));
  setHandler(acknowledgeUpdate, (payload) => answer(acknowledge(payload)), {
    validator: (payload) => validate(checkAcknowledge(payload)),
  });
  setHandler(resolveUpdate, (payload) => answer(resolve(payload)), {
    validator: (payload) => validate(checkResolve(payload)),
  });
}

const REFUSED = 'refused: ';

function refuse(incident: IncidentState, what: string, reason: string, actor?: string): string {
  incident.record('refused', `${what}${actor ? ` by ${actor}` : ''} refused: ${reason}`, { actor });
  return REFUSED + reason;
}

function answer(result: string): string {
  if (result.startsWith(REFUSED)) throw ApplicationFailure.nonRetryable(result, 'Refused');
  return result;
}

function validate(checked: { ok: true } | { ok: false; reason: string }): void {
  if (!checked.ok) throw new Error(checked.reason);
}

async function runSteps(incident: IncidentState, steps: Step[]): Promise<void> {
  for (const step of steps) {
    if (incident.resolved) return;
    switch (step.kind) {
      case 'notify':
        await notify(incident, {
          step: step.id,
          targets: Array.isArray(step.audience) ? step.audience : [step.audience],
          template: step.template,
          channels: step.channels,
        });
        break;
      case 'checkpoint':
        incident.setPhase(step.phase);
        break;
    }
    incident.record('step', `step ${step.id} done`, { step: step.id });
  }
}

/** Walks the escalation chain until someone acknowledges or the incident is resolved. */
async function escalate(incident: IncidentState): Promise<void> {
  const { levels } = incident.runbook.escalation;
  for (const [index, level] of levels.entries()) {
    const answered = await condition(
      () => incident.acknowledged || incident.resolved,
      durationMs(level.after),
      {
        summary: `escalate to level ${index + 1} unless acknowledged within ${level.after}`,
      },
    );
    if (answered) return;
    incident.setEscalationLevel(index + 1);
    incident.record(
      'escalation',
      `no acknowledgement after ${level.after}: escalating to level ${index + 1} (${level.notify.join(', ')})`,
    );
    await notify(incident, {
      step: `escalation-${index + 1}`,
      targets: level.notify,
      template: level.template,
      channels: level.channels,
    });
  }
}

async function sendClosingSummary(incident: IncidentState): Promise<void> {
  const { onResolve } = incident.runbook;
  await notify(incident, {
    step: 'resolution',
    targets: onResolve.notify,
    template: onResolve.template,
    channels: ['email'],
  });
}
