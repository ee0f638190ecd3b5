/**
 * The runbook interpreter: runs a list of steps in order, following forward jumps (`next`,
 * `branch`), running `parallel` branches side by side, and stopping when the incident is resolved.
 */
import { condition } from '@temporalio/workflow';
import { evaluate } from '../domain/evaluate-condition';
import { progressed } from '../domain/incident-progress';
import { durationMs } from '../domain/duration';
import { notifyOutcome } from '../domain/deliveries';
import type { StepResult } from '../domain/incident';
import type { NotifyStep, Step } from '../domain/runbook';
import { awaitApproval, gatedStep } from './approvals';
import type { IncidentState } from './incident-state';
import { notify } from './notify';
import { failureMessage, runActivity } from './run-activity';
import { waitWithHandOver, type HandOver } from './wait';

/** Parallel branches keep their positions and may hand over too (incidents started before wait for the end). */
const PARALLEL_HAND_OVER_PATCH = 'hand-over-inside-parallel';

/**
 * An activity step that failed for good (Temporal gave up: refused, out of retries or time) needs
 * a person: it asks the next escalation level, acknowledged or not, instead of only noting it.
 */
const FAILED_STEP_ATTENTION_PATCH = 'runbooks-e2e-failed-step-attention';

/** A remediation (a risky activity) that reports it did not work needs attention and escalates too. */
const REMEDIATION_NOT_DONE_PATCH = 'runbooks-e2e-remediation-not-done-attention';

/** A notify step's outcome counts its own deliveries only, not a parallel branch's. */
const OWN_DELIVERIES_PATCH = 'runbooks-e2e-notify-own-deliveries';

/** Where to go after a step: the next one, a jump target, or the end of the list. */
type Next = { jump?: string };

/**
 * The top-level list, and each branch of a parallel step, keep their position in the incident
 * state and may hand over to a fresh run (continue-as-new) between steps, and while a `wait` or
 * `approval` step waits. A hand-over waits until no step anywhere is working.
 */
export interface TopLevel {
  startAt: number;
  at(index: number): void;
  handOver(): Promise<void>;
}

/** Runs a list of steps; resolves when the list ends, jumps to `end`, or the incident resolves. */
export async function runSteps(
  incident: IncidentState,
  steps: readonly Step[],
  top?: TopLevel,
): Promise<void> {
  let index = top?.startAt ?? 0;
  while (index < steps.length && !incident.resolved) {
    const step = steps[index]!;
    top?.at(index);
    const { jump } = await runStep(incident, step, steps, top?.handOver);
    const target = jump ?? step.next;
    index = target === 'end' ? steps.length : target ? steps.findIndex((s) => s.id === target) : index + 1;
    if (index < 0) throw new Error(`jump to unknown step "${target}"`); // validated before start
    top?.at(index);
    await top?.handOver();
  }
}

async function runStep(
  incident: IncidentState,
  step: Step,
  list: readonly Step[],
  handOver: HandOver,
): Promise<Next> {
  if (incident.engine.skip.includes(step.id)) {
    const record = incident.startStep(step.id, step.kind, step.title);
    incident.finishStep(record, 'skipped', { ok: false, summary: 'not run: its approval was refused' });
    incident.record('step', `${step.id}: skipped, its approval was refused`, { step: step.id });
    return {};
  }
  // A step that was waiting when the previous run handed over carries on with its record.
  const carried = incident.lastStep(step.id);
  const record = carried?.state === 'running' ? carried : incident.startStep(step.id, step.kind, step.title);
  const done = (result?: StepResult, state: 'done' | 'failed' = 'done') =>
    incident.finishStep(record, state, result);

  switch (step.kind) {
    case 'notify': {
      incident.working++;
      try {
        const result = await sendNotifyStep(incident, step);
        done(result);
      } finally {
        incident.working--;
      }
      if (step.every && !incident.resolved) void repeatNotifyStep(incident, step);
      return {};
    }
    case 'activity': {
      incident.working++;
      try {
        const result = await runActivity(incident, step);
        incident.record('step', `${step.id}: ${result.summary}`, { step: step.id });
        done(result);
        if (!result.ok && step.risky && incident.patched(REMEDIATION_NOT_DONE_PATCH))
          incident.needsAttention(`${step.id} did not work: ${result.summary}`);
        return {};
      } catch (err) {
        const summary = `failed: ${failureMessage(err)}`;
        incident.record('step', `${step.id}: ${summary}`, { step: step.id });
        done({ ok: false, summary }, 'failed');
        if (incident.patched(FAILED_STEP_ATTENTION_PATCH)) incident.needsAttention(`${step.id} ${summary}`);
        return step.onFailure === 'end' ? { jump: 'end' } : {};
      } finally {
        incident.working--;
      }
    }
    case 'approval': {
      const gated = gatedStep(step, list);
      const outcome = await awaitApproval(incident, step, gated, handOver);
      done({ ok: outcome !== 'rejected', summary: outcome });
      if (outcome !== 'rejected' || !gated) return {};
      if (step.onReject === 'end') {
        incident.record('step', `${step.id}: not approved, the runbook ends here`, { step: step.id });
        return { jump: 'end' };
      }
      incident.apply(progressed, { skip: [...incident.engine.skip, gated.id] });
      return {};
    }
    case 'wait': {
      const holds = () =>
        incident.resolved || (step.until !== undefined && evaluate(step.until, incident.conditions()));
      const limit = step.for ?? step.timeout;
      const summary = step.for
        ? `${step.id}: wait ${step.for}`
        : `${step.id}: wait until …${step.timeout ? ` (at most ${step.timeout})` : ''}`;
      const met = await waitWithHandOver(
        incident,
        holds,
        limit,
        Date.parse(record.startedAt),
        handOver,
        summary,
      );
      if (step.for) done();
      else done({ ok: met, summary: met ? 'condition met' : `gave up after ${step.timeout}` });
      return {};
    }
    case 'branch': {
      const taken = evaluate(step.if, incident.conditions());
      const target = taken ? step.then : step.else;
      incident.record('step', `${step.id}: ${taken ? 'yes' : 'no'}${target ? ` → ${target}` : ''}`, {
        step: step.id,
      });
      done({ ok: true, summary: taken ? 'condition held' : 'condition did not hold' });
      return target ? { jump: target } : {};
    }
    case 'checkpoint':
      incident.setPhase(step.phase);
      done();
      return {};
    case 'parallel': {
      const inner = handOver && incident.patched(PARALLEL_HAND_OVER_PATCH) ? handOver : undefined;
      if (!inner) {
        await Promise.all(step.branches.map((branch) => runSteps(incident, branch)));
        done();
        return {};
      }
      // Each branch's position, carried by continue-as-new: a fresh run resumes every branch there.
      const positions = () => incident.engine.branchCursors?.[step.id] ?? step.branches.map(() => 0);
      const moveBranch = (i: number, index: number) =>
        incident.apply(progressed, {
          branchCursors: {
            ...incident.engine.branchCursors,
            [step.id]: positions().map((p, b) => (b === i ? index : p)),
          },
        });
      const start = positions();
      await Promise.all(
        step.branches.map((branch, i) =>
          runSteps(incident, branch, {
            startAt: start[i] ?? 0,
            at: (index) => moveBranch(i, index),
            handOver: inner,
          }),
        ),
      );
      const { [step.id]: _done, ...others } = incident.engine.branchCursors ?? {};
      incident.apply(progressed, { branchCursors: others });
      done();
      return {};
    }
  }
}

async function sendNotifyStep(incident: IncidentState, step: NotifyStep, round = 0): Promise<StepResult> {
  const deliveriesBefore = incident.deliveries.length;
  const name = round ? `${step.id}-${round}` : step.id;
  await notify(incident, {
    step: name,
    targets: Array.isArray(step.audience) ? step.audience : [step.audience],
    template: step.template,
    channels: step.channels,
  });
  const since = incident.deliveries.slice(deliveriesBefore);
  // Parallel branches deliver meanwhile: only this step's deliveries say whether it reached everyone.
  return notifyOutcome(incident.patched(OWN_DELIVERIES_PATCH) ? since.filter((d) => d.step === name) : since);
}

/** A notify step with a cadence (`every`) goes out again until the incident is resolved. */
export async function repeatNotifyStep(incident: IncidentState, step: NotifyStep): Promise<void> {
  const every = durationMs(step.every!);
  for (;;) {
    const last = Date.parse(incident.engine.repeaters[step.id] ?? incident.now());
    ranAt(incident, step.id, new Date(last).toISOString());
    const due = !(await condition(
      () => incident.resolved || incident.finished,
      Math.max(1, last + every - Date.now()),
      {
        summary: `${step.id}: next update in ${step.every}`,
      },
    ));
    if (!due) return;
    const round = incident.steps.filter((s) => s.id === step.id).length;
    ranAt(incident, step.id, incident.now());
    incident.busy++;
    try {
      const record = incident.startStep(step.id, step.kind, step.title);
      incident.finishStep(record, 'done', await sendNotifyStep(incident, step, round));
    } finally {
      incident.busy--;
    }
  }
}

/** When a cadence notification last went out, carried across runs. */
function ranAt(incident: IncidentState, stepId: string, at: string): void {
  incident.apply(progressed, { repeaters: { ...incident.engine.repeaters, [stepId]: at } });
}
