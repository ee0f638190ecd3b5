/**
 * What responders can do to a running incident, each as a signal (Web UI, scripts) and as an
 * update (CLI, links, status page) of the same name. Every payload is checked here, at the one
 * boundary: anything invalid is refused with the reason, recorded in the timeline, and changes
 * nothing else; updates also answer the refusal at once. An action that carries an id is applied
 * once, however often it arrives. A handler that fails for any other reason never fails the
 * workflow task: the incident records it, keeps running and escalates (needsAttention).
 */
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, patched, setHandler } from '@temporalio/workflow';
import { coerceFact, BUILT_IN_FACTS } from '../domain/facts';
import { phaseReached } from '../domain/phase';
import type { Checked } from '../domain/responder-input';
import * as input from '../domain/responder-input';
import { decide } from './approvals';
import type { IncidentState } from './incident-state';
import * as m from './messages';

const REFUSED = 'refused: ';
/** How many applied action ids an incident remembers (repeats come within seconds or minutes). */
const MAX_APPLIED_ACTIONS = 500;
const DAY_MS = 86_400_000;
/** Responder-input guards added after incidents were already running (time window, two-person rule). */
const GUARDS_PATCH = 'responder-guards-v2';

/** A responder action: checks the payload, acts, and says what happened or why not. */
type Action<T> = (incident: IncidentState, value: T) => string | { refused: string };

export function handleResponders(incident: IncidentState): void {
  setHandler(m.statusQuery, () => incident.status());
  setHandler(m.alertSignal, (payload) =>
    guarded(incident, 'alert', () => {
      const checked = input.checkAlert(payload);
      if (checked.ok) incident.addAlert(checked.value);
      else refuse(incident, 'alert', checked.reason);
    }),
  );
  setHandler(m.linkRefusedSignal, (payload) =>
    guarded(incident, 'linkRefused', () => recordLinkRefusal(incident, payload)),
  );

  both(
    incident,
    'acknowledge',
    m.acknowledgeSignal,
    m.acknowledgeUpdate,
    input.checkAcknowledge,
    acknowledge,
  );
  both(incident, 'reopen', m.reopenSignal, m.reopenUpdate, input.checkReopen, reopen);
  both(incident, 'escalate', m.escalateSignal, m.escalateUpdate, input.checkEscalate, escalateNow);
  both(incident, 'approve', m.approveSignal, m.approveUpdate, input.checkApprove, (i, v) =>
    oncePerLink(i, v, () => decision(i, { ...v, decision: 'approve' })),
  );
  both(incident, 'reject', m.rejectSignal, m.rejectUpdate, input.checkReject, (i, v) =>
    oncePerLink(i, v, () => decision(i, { ...v, decision: 'reject' })),
  );
  both(
    incident,
    'setAwareness',
    m.setAwarenessSignal,
    m.setAwarenessUpdate,
    input.checkAwareness,
    setAwareness,
  );
  both(incident, 'setFact', m.setFactSignal, m.setFactUpdate, input.checkFact, setFact);
  both(incident, 'clockMet', m.clockMetSignal, m.clockMetUpdate, input.checkClockMet, clockMet);
  both(
    incident,
    'confirmReceipt',
    m.confirmReceiptSignal,
    m.confirmReceiptUpdate,
    input.checkReceipt,
    (i, v) => oncePerLink(i, v, () => confirmReceipt(i, v)),
  );
  both(incident, 'setPhase', m.setPhaseSignal, m.setPhaseUpdate, input.checkPhase, setPhase);
  both(incident, 'resolve', m.resolveSignal, m.resolveUpdate, input.checkResolve, resolve);
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

function both<T extends { by?: string; recipient?: string; id?: string }>(
  incident: IncidentState,
  name: string,
  signal: SignalDefinition<[T]>,
  update: UpdateDefinition<string, [T]>,
  check: (payload: unknown) => Checked<T>,
  action: Action<T>,
): void {
  const act = (payload: unknown): string => {
    const checked = check(payload);
    if (!checked.ok) return refuse(incident, name, checked.reason);
    const { id } = checked.value;
    const applied = incident.engine.appliedActions ?? [];
    if (id && applied.includes(id)) return `already applied (action ${id}); not applied again`;
    const outcome = action(incident, checked.value);
    const actor = checked.value.by ?? checked.value.recipient;
    if (typeof outcome !== 'string') return refuse(incident, name, outcome.refused, actor);
    if (id) incident.engine.appliedActions = [...applied, id].slice(-MAX_APPLIED_ACTIONS);
    return outcome;
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
  if (!patched(GUARDS_PATCH))
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

/**
 * A signed link works once, whichever gateway replica it reaches and however often they restart:
 * the incident records the link's nonce when its action succeeds and refuses the nonce after.
 * Actions through the signed-in status page also say so in the timeline (`via`).
 */
function oncePerLink(
  incident: IncidentState,
  value: input.ChannelFields & { step: string; by?: string; recipient?: string },
  act: () => string | { refused: string },
): string | { refused: string } {
  const used = incident.engine.usedLinks ?? [];
  if (value.link && used.includes(value.link))
    return { refused: `this link was already used (${value.step})` };
  const outcome = act();
  if (typeof outcome !== 'string') return outcome;
  if (value.link) incident.engine.usedLinks = [...used, value.link];
  if (value.via && value.by)
    incident.record('approval', `${value.step}: the decision of ${value.by} came through the ${value.via}`, {
      actor: value.by,
      step: value.step,
    });
  return outcome;
}

/** Refused signed links are evidence too; repeats and floods are not recorded twice. */
const MAX_LINK_REFUSALS = 50;
function recordLinkRefusal(incident: IncidentState, payload: unknown): void {
  const checked = input.checkLinkRefusal(payload);
  if (!checked.ok) {
    refuse(incident, 'linkRefused', checked.reason);
    return;
  }
  const { kind, step, person, reason } = checked.value;
  const summary = `signed ${kind} link${step ? ` for ${step}` : ''}${person ? ` issued to ${person}` : ''} refused: ${reason}`;
  const earlier = incident.timeline.filter((e) => e.kind === 'refused' && e.summary.startsWith('signed '));
  if (earlier.length >= MAX_LINK_REFUSALS || earlier.some((e) => e.summary === summary)) return;
  incident.record('refused', summary, { actor: person, step });
}

const acknowledge: Action<input.AcknowledgeInput> = (incident, { by, note }) => {
  if (incident.resolved) return { refused: 'incident already resolved' };
  incident.acknowledgements.push({ by, at: incident.now(), note });
  incident.engine.acknowledged = true;
  incident.engine.lastActor = by;
  incident.record('acknowledgement', `acknowledged by ${by}${note ? `: ${note}` : ''}`, { actor: by });
  if (incident.phase === 'detected') {
    incident.setPhase('acknowledged', by); // publishes
  } else {
    incident.changed();
    incident.publish();
  }
  return `acknowledged by ${by}`;
};

const reopen: Action<input.ReopenInput> = (incident, { by, reason }) => {
  if (incident.resolved) return { refused: 'incident already resolved: a new alert opens a new incident' };
  if (!incident.acknowledged) return { refused: 'not acknowledged: escalation is already running' };
  const { engine } = incident;
  engine.acknowledged = false;
  engine.escalationEpoch++;
  engine.escalationRound = 0;
  engine.escalationLastAt = incident.now();
  engine.lastActor = by;
  incident.escalationLevel = 0;
  incident.record('acknowledgement', `reopened by ${by}: ${reason}; escalation starts over`, { actor: by });
  if (incident.phase === 'acknowledged') incident.setPhase('detected', by);
  incident.changed();
  incident.publish();
  return `reopened by ${by}: escalation starts over`;
};

const escalateNow: Action<input.EscalateInput> = (incident, { by, reason }) => {
  if (incident.resolved) return { refused: 'incident already resolved' };
  const levels = incident.runbook.escalation.levels;
  const last = levels[levels.length - 1];
  const exhausted =
    incident.escalationLevel >= levels.length && incident.engine.escalationRound >= (last?.repeat ?? 1);
  if (exhausted) return { refused: `already at the last escalation level (${levels.length})` };
  incident.engine.escalationRequests++;
  incident.record('escalation', `escalation requested by ${by}${reason ? `: ${reason}` : ''}`, { actor: by });
  return `escalating to the next level (requested by ${by})`;
};

const decision: Action<input.DecisionInput & { decision: 'approve' | 'reject' }> = (incident, attempt) => {
  const refusal = decide(incident, attempt, { twoPersonAtDecision: patched(GUARDS_PATCH) });
  if (refusal) return { refused: `${attempt.step}: ${refusal}` };
  const approval = incident.approvals.filter((a) => a.step === attempt.step).at(-1)!;
  return `${attempt.decision === 'approve' ? 'approved' : 'rejected'} by ${attempt.by}; ${attempt.step} is ${approval.state}`;
};

const setAwareness: Action<input.AwarenessInput> = (incident, { at, by, reason }) => {
  const outside = outsideWindow(incident, 'at', at);
  if (outside) return { refused: outside };
  const previous = incident.awareness?.at;
  incident.awareness = { at, by };
  incident.engine.lastActor = by;
  incident.record(
    'fact',
    `awareness time set to ${at}${previous ? ` (was ${previous})` : ''} by ${by}: ${reason}`,
    { actor: by },
  );
  incident.changed();
  incident.publish();
  return `awareness time is ${at}`;
};

const setFact: Action<input.FactInput> = (incident, { name, value, by }) => {
  // Own keys only: `constructor` or `__proto__` name no declared fact.
  const declared = Object.prototype.hasOwnProperty.call(incident.runbook.facts, name)
    ? incident.runbook.facts[name]
    : undefined;
  const decl = declared ?? (name === 'euPersonalData' ? { type: 'boolean' as const } : undefined);
  if (!decl) {
    const settable = ['euPersonalData', ...Object.keys(incident.runbook.facts)];
    const hint = (BUILT_IN_FACTS as readonly string[]).includes(name)
      ? ' (built-in facts come from the alert)'
      : '';
    return { refused: `unknown fact "${name}"${hint}; settable: ${settable.join(', ')}` };
  }
  const coerced = coerceFact(name, decl, value);
  if ('error' in coerced) return { refused: coerced.error };
  if (name === 'euPersonalData') {
    incident.facts = { ...incident.facts, euPersonalData: coerced.value as boolean };
    if (coerced.value === true && !incident.awareness) incident.awareness = { at: incident.now(), by };
  } else {
    incident.facts = { ...incident.facts, custom: { ...incident.facts.custom, [name]: coerced.value } };
  }
  incident.engine.lastActor = by;
  incident.record('fact', `${name} set to ${JSON.stringify(coerced.value)} by ${by}`, { actor: by });
  incident.changed();
  incident.publish();
  return `${name} = ${JSON.stringify(coerced.value)}`;
};

const clockMet: Action<input.ClockMetInput> = (incident, { clock: id, by, at, note }) => {
  const clock = incident.clocks.find((c) => c.id === id);
  if (!clock)
    return {
      refused: `unknown clock "${id}" (clocks: ${incident.clocks.map((c) => c.id).join(', ') || 'none'})`,
    };
  if (clock.metAt) return { refused: `${id} was already met at ${clock.metAt}` };
  const when = at ?? incident.now();
  const outside = outsideWindow(incident, 'at', when);
  if (outside) return { refused: outside };
  clock.metAt = when;
  incident.record('clock', `${clock.title}: recorded as met at ${when} by ${by}${note ? `: ${note}` : ''}`, {
    actor: by,
  });
  incident.changed();
  incident.publish();
  return `${id} met at ${when}`;
};

const confirmReceipt: Action<input.ReceiptInput> = (incident, { step, recipient, via, acknowledge: ack }) => {
  const messaged = incident.deliveries.some(
    (d) => d.step === step && d.recipient === recipient && d.outcome !== 'failed',
  );
  if (!messaged) return { refused: `no message of step "${step}" went to ${recipient}` };
  if (!incident.receipts.some((r) => r.step === step && r.recipient === recipient)) {
    incident.receipts.push({ at: incident.now(), step, recipient, via });
    incident.record('notification', `${recipient} confirmed the ${step} message (${via})`, {
      actor: recipient,
      step,
    });
  }
  if (!ack) return `receipt of ${step} by ${recipient} recorded`;
  if (incident.resolved) return `receipt of ${step} by ${recipient} recorded; incident already resolved`;
  if (incident.acknowledged) return `receipt of ${step} by ${recipient} recorded; already acknowledged`;
  const acked = acknowledge(incident, { by: recipient, note: `via ${via}` });
  return typeof acked === 'string' ? `${acked} (${via})` : acked;
};

const setPhase: Action<input.PhaseInput> = (incident, { phase, by, note }) => {
  if (incident.resolved) return { refused: 'incident already resolved' };
  if (phaseReached(incident.phase, phase)) return { refused: `already ${incident.phase}` };
  incident.engine.lastActor = by;
  incident.record('phase', `${by} declares the incident ${phase}${note ? `: ${note}` : ''}`, { actor: by });
  incident.setPhase(phase, by);
  return `phase is ${phase}`;
};

const resolve: Action<input.ResolveInput> = (incident, { by, reason }) => {
  if (incident.resolved) return { refused: 'incident already resolved' };
  incident.resolution = { by, reason, at: incident.now() };
  incident.record('resolution', `resolved by ${by}: ${reason}`, { actor: by });
  incident.setPhase('resolved', by);
  return `resolved by ${by}`;
};
