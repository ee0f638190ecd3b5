/**
 * What responders can do to a running incident, each as a signal (Web UI, scripts) and as an
 * update (CLI, links, status page) of the same name. Every payload is checked here, at the one
 * boundary: anything invalid is refused with the reason, recorded in the timeline, and changes
 * nothing else; updates also answer the refusal at once. An action that carries an id is applied
 * once, however often it arrives. A handler that fails for any other reason never fails the
 * workflow task: the incident records it, keeps running and escalates (needsAttention).
 */
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import {
  RESPONDER_ACTION_NAMES,
  RESPONDER_ACTIONS,
  type ResponderActionName,
} from '../domain/incident-actions';
import { progressed } from '../domain/incident-progress';
import * as reduce from '../domain/incident-reducers';
import type { Reduced, ReducerContext } from '../domain/incident-reducers';
import type { Checked } from '../domain/responder-input';
import * as input from '../domain/responder-input';
import type { IncidentState } from './incident-state';
import * as m from './messages';

const REFUSED = 'refused: ';
/** How many applied action ids an incident remembers (repeats come within seconds or minutes). */
const MAX_APPLIED_ACTIONS = 500;
const DAY_MS = 86_400_000;
/** Responder-input guards added after incidents were already running (time window, two-person rule). */
const GUARDS_PATCH = 'responder-guards-v2';

export function handleResponders(incident: IncidentState): void {
  setHandler(m.statusQuery, () => incident.status());
  setHandler(m.alertSignal, (payload) =>
    guarded(incident, 'alert', () => countAlert(incident, 'alert', input.checkAlert(payload))),
  );
  setHandler(m.alertsSignal, (payload) =>
    guarded(incident, 'alerts', () => {
      const checked = input.checkAlerts(payload);
      if (!checked.ok) return void refuse(incident, 'alerts', checked.reason);
      for (const [i, one] of checked.value.entries()) countAlert(incident, `alerts[${i}]`, one);
    }),
  );
  setHandler(m.linkRefusedSignal, (payload) =>
    guarded(incident, 'linkRefused', () => recordLinkRefusal(incident, payload)),
  );
  for (const name of RESPONDER_ACTION_NAMES) register(incident, name);
}

/** One alert, counted; or refused with the reason, counting nothing. */
function countAlert(
  incident: IncidentState,
  what: string,
  checked: ReturnType<typeof input.checkAlert>,
): void {
  if (!checked.ok) return void refuse(incident, what, checked.reason);
  const reduced = reduce.alert(incident.snapshot(), checked.value, context(incident));
  if (reduced.ok) commit(incident, reduced);
}

/** What a reducer may know beyond the record: the runbook, the time, and the shell's decisions. */
function context(incident: IncidentState): ReducerContext {
  return {
    runbook: incident.runbook,
    now: incident.now(),
    outsideWindow: (field, at) => outsideWindow(incident, field, at),
    twoPersonAtDecision: () => incident.patched(GUARDS_PATCH),
  };
}

/** Makes a reducer's record the incident's, then runs its effects in order. */
function commit(incident: IncidentState, reduced: Reduced & { ok: true }): void {
  incident.commit(reduced.record);
  for (const effect of reduced.effects) {
    if (effect === 'changed') incident.changed();
    else incident.publish();
  }
}

/** Runs a handler's body; a failure becomes a recorded "needs attention", never a failed task. */
function guarded<T>(incident: IncidentState, what: string, body: () => T): T | undefined {
  try {
    return body();
  } catch (err) {
    incident.needsAttention(`${what} failed: ${(err as Error)?.message ?? String(err)}`);
    return undefined;
  }
}

/** The signal and the update of one action, from the table: same name, same check, same reducer. */
function register(incident: IncidentState, name: ResponderActionName): void {
  type Value = { by?: string; recipient?: string; id?: string };
  const action = RESPONDER_ACTIONS[name] as unknown as {
    check: (payload: unknown) => Checked<Value>;
    reduce: reduce.Reducer<Value>;
  };
  const { signal, update } = m.responderActions[name] as unknown as {
    signal: SignalDefinition<[unknown]>;
    update: UpdateDefinition<string, [unknown]>;
  };
  const act = (payload: unknown): string => {
    const checked = action.check(payload);
    if (!checked.ok) return refuse(incident, name, checked.reason);
    const { id } = checked.value;
    const applied = incident.engine.appliedActions ?? [];
    if (id && applied.includes(id)) return `already applied (action ${id}); not applied again`;
    const reduced = action.reduce(incident.snapshot(), checked.value, context(incident));
    const actor = checked.value.by ?? checked.value.recipient;
    if (!reduced.ok) return refuse(incident, name, reduced.refused, actor);
    commit(incident, reduced);
    if (id) incident.apply(progressed, { appliedActions: [...applied, id].slice(-MAX_APPLIED_ACTIONS) });
    return reduced.message;
  };
  const guardedAct = (payload: unknown): string =>
    guarded(incident, name, () => act(payload)) ??
    `${REFUSED}the incident could not apply it; it needs attention`;
  setHandler(signal, (payload) => void guardedAct(payload));
  // No validator: a refused update is recorded in the timeline like a refused signal.
  setHandler(update, (payload) => {
    const result = guardedAct(payload);
    if (result.startsWith(REFUSED)) throw ApplicationFailure.nonRetryable(result, 'Refused');
    return result;
  });
}

/** A time a responder gives (awareness, clock met) must be believable for this incident. */
function outsideWindow(incident: IncidentState, field: string, at: string): string | undefined {
  if (!incident.patched(GUARDS_PATCH))
    return Date.parse(at) > Date.now() ? `${field}: ${at} is in the future` : undefined;
  return input.timeOutsideWindow(field, at, {
    detectedAt: incident.detectedAt,
    nowMs: Date.now(),
    pastMarginMs: incident.input.limits?.pastMarginMs ?? 30 * DAY_MS,
  });
}

function refuse(incident: IncidentState, what: string, reason: string, actor?: string): string {
  incident.record('refused', `${what}${actor ? ` by ${actor}` : ''} refused: ${reason}`, { actor });
  return REFUSED + reason;
}

/** Refused signed links are evidence too; repeats and floods are not recorded twice. */
const MAX_LINK_REFUSALS = 50;
function recordLinkRefusal(incident: IncidentState, payload: unknown): void {
  const checked = input.checkLinkRefusal(payload);
  if (!checked.ok) {
    refuse(incident, 'linkRefused', checked.reason);
    return;
  }
  const { kind, step, person, reason, count } = checked.value;
  const summary = `signed ${kind} link${step ? ` for ${step}` : ''}${person ? ` issued to ${person}` : ''} refused${count ? ` ${count} more times, the latest` : ''}: ${reason}`;
  const earlier = incident.timeline.filter((e) => e.kind === 'refused' && e.summary.startsWith('signed '));
  if (earlier.length >= MAX_LINK_REFUSALS || earlier.some((e) => e.summary === summary)) return;
  incident.record('refused', summary, { actor: person, step });
}
