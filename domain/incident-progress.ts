/**
 * What the incident itself does to its record as it runs (the runbook interpreter, approval gates,
 * clock watchers, notifications, escalation), as pure reducers beside the responder actions'
 * (incident-reducers.ts): the record in, the next record out, nothing changed in place. The
 * workflow's state object (workflows/incident-state.ts) commits what they return.
 */
import { computeClock } from './clocks';
import type { ConditionContext } from './evaluate-condition';
import { evaluate } from './evaluate-condition';
import { factValue } from './facts';
import type {
  ApprovalStatus,
  ClockStatus,
  Delivery,
  EngineState,
  IncidentRecord,
  StepRecord,
  StepResult,
  TimelineEntry,
} from './incident';
import type { Phase } from './phase';
import type { Runbook } from './runbook';

/** How many "needs attention" entries an incident lists (the timeline keeps every one). */
const MAX_ATTENTION = 20;

/** The interpreter's state when an incident opens. */
export function startingEngine(detectedAt: string): EngineState {
  return {
    cursor: 0,
    stepsDone: false,
    closingSent: false,
    skip: [],
    acknowledged: false,
    escalationEpoch: 0,
    escalationRound: 0,
    escalationLastAt: detectedAt,
    escalationRequests: 0,
    phaseTimes: { detected: detectedAt },
    repeaters: {},
  };
}

/** Every clock of the runbook, waiting for the event it runs from. */
export function startingClocks(runbook: Runbook): ClockStatus[] {
  return runbook.clocks.map((c) => ({
    id: c.id,
    title: c.title,
    from: c.from,
    within: c.within,
    legal: c.legal,
    state: 'waiting',
    warnedAt: [],
  }));
}

export function entryRecorded(record: IncidentRecord, entry: TimelineEntry): IncidentRecord {
  return { ...record, timeline: [...record.timeline, entry] };
}

/** The incident moved to a phase: the time it first got there is kept. */
export function phaseEntered(
  record: IncidentRecord,
  phase: Phase,
  at: string,
  actor?: string,
): IncidentRecord {
  const { phaseTimes } = record.engine;
  return entryRecorded(
    {
      ...record,
      phase,
      engine: { ...record.engine, phaseTimes: { ...phaseTimes, [phase]: phaseTimes[phase] ?? at } },
    },
    { at, kind: 'phase', summary: `phase → ${phase}`, actor },
  );
}

export function deliveryRecorded(record: IncidentRecord, delivery: Delivery): IncidentRecord {
  return { ...record, deliveries: [...record.deliveries, delivery] };
}

export function stepStarted(record: IncidentRecord, step: StepRecord): IncidentRecord {
  return { ...record, steps: [...record.steps, step] };
}

export function stepFinished(
  record: IncidentRecord,
  index: number,
  state: StepRecord['state'],
  at: string,
  result?: StepResult,
): IncidentRecord {
  const steps = record.steps.map((s, i) =>
    i === index ? { ...s, state, endedAt: at, ...(result ? { result } : {}) } : s,
  );
  return { ...record, steps };
}

/** The interpreter's own progress: cursor, skipped steps, cadences, branch positions, applied ids. */
export function progressed(record: IncidentRecord, changes: Partial<EngineState>): IncidentRecord {
  return { ...record, engine: { ...record.engine, ...changes } };
}

/** The escalation chain moved to a level (on its timer, or because someone asked). */
export function escalated(
  record: IncidentRecord,
  to: { level: number; round: number; at: string; requested: boolean },
): IncidentRecord {
  const { engine } = record;
  return {
    ...record,
    escalationLevel: to.level,
    engine: {
      ...engine,
      escalationRound: to.round,
      escalationLastAt: to.at,
      escalationRequests: engine.escalationRequests - (to.requested ? 1 : 0),
    },
  };
}

export function clockWarned(record: IncidentRecord, clockId: string, at: string): IncidentRecord {
  const clocks = record.clocks.map((c) => (c.id === clockId ? { ...c, warnedAt: [...c.warnedAt, at] } : c));
  return { ...record, clocks };
}

export function approvalRequested(record: IncidentRecord, approval: ApprovalStatus): IncidentRecord {
  return { ...record, approvals: [...record.approvals, approval] };
}

export function approvalChanged(
  record: IncidentRecord,
  index: number,
  changes: Partial<ApprovalStatus>,
): IncidentRecord {
  const approvals = record.approvals.map((a, i) => (i === index ? { ...a, ...changes } : a));
  return { ...record, approvals };
}

/** Something failed inside the incident: listed (up to a bound), and the next level asked. */
export function attentionNeeded(record: IncidentRecord, summary: string, at: string): IncidentRecord {
  const next = entryRecorded(
    {
      ...record,
      attention: record.attention.length < MAX_ATTENTION ? [...record.attention, summary] : record.attention,
    },
    { at, kind: 'attention', summary },
  );
  if (next.resolution) return next;
  return progressed(next, { escalationRequests: next.engine.escalationRequests + 1 });
}

const lastStep = (record: IncidentRecord, id: string) => record.steps.filter((s) => s.id === id).at(-1);

/** What runbook conditions read of the incident. */
export function conditionsOf(record: IncidentRecord): ConditionContext {
  return {
    fact: (name) => factValue(record.facts, name),
    step: (id) => lastStep(record, id),
    acknowledged: record.engine.acknowledged,
    phase: record.phase,
    clock: (id) => record.clocks.find((c) => c.id === id),
    approval: (step) => record.approvals.filter((a) => a.step === step).at(-1),
  };
}

/**
 * Every clock recomputed from the incident's events, facts and step results, in the runbook's
 * order (a clock's `when` sees the clocks before it already recomputed).
 */
export function clocksRefreshed(record: IncidentRecord, runbook: Runbook, nowMs: number): IncidentRecord {
  let next = record;
  const events = {
    detected: record.engine.phaseTimes.detected!,
    acknowledged: record.acknowledgements[0]?.at,
    aware: record.awareness?.at,
    contained: record.engine.phaseTimes.contained,
    recovered: record.engine.phaseTimes.recovered,
  };
  const ctx: ConditionContext = {
    ...conditionsOf(record),
    clock: (id) => next.clocks.find((c) => c.id === id),
  };
  for (const def of runbook.clocks) {
    const clock = next.clocks.find((c) => c.id === def.id)!;
    let metAt = clock.metAt;
    if (!metAt && def.metBy !== 'manual') {
      const step = lastStep(record, def.metBy);
      if (step?.state === 'done' && step.result?.ok !== false) metAt = step.endedAt;
    }
    const computed = computeClock(def, {
      events,
      applicable: def.when ? evaluate(def.when, ctx) : true,
      metAt,
      resolved: record.resolution !== undefined,
      now: nowMs,
    });
    const updated = {
      ...clock,
      metAt,
      startedAt: undefined,
      deadline: undefined,
      lateByMs: undefined,
      ...computed,
    };
    next = { ...next, clocks: next.clocks.map((c) => (c === clock ? updated : c)) };
  }
  return next;
}
