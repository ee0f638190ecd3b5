/**
 * What each responder action does to an incident, as pure reducers: the incident's record and the
 * checked input in, the next record (or a refusal) out, with the effects the workflow must run
 * after it (`changed`: recompute clocks; `publish`: search attributes and Web UI details), in
 * order. No reducer changes what it is given, reads a clock or talks to Temporal, so each is
 * tested without a server; `workflows/responders.ts` is the shell that commits what they return.
 */
import type { Alert } from './alert';
import { applyDecision, judge, type DecisionAttempt } from './approvals';
import { BUILT_IN_FACTS, coerceFact } from './facts';
import { entryRecorded, phaseEntered } from './incident-progress';
import type { IncidentRecord, TimelineEntry, TimelineKind } from './incident';
import { phaseReached, type Phase } from './phase';
import type * as input from './responder-input';
import { allSteps, type Runbook } from './runbook';

export interface ReducerContext {
  runbook: Runbook;
  /** The workflow's time of this action. */
  now: string;
  /** Why a time a responder gives is not believable here, or undefined (the shell decides the window). */
  outsideWindow(field: string, at: string): string | undefined;
  /** Whether the two-person rule also applies at decision time (patch responder-guards-v2). */
  twoPersonAtDecision(): boolean;
}

export type Effect = 'changed' | 'publish';

export type Reduced =
  { ok: true; record: IncidentRecord; message: string; effects: Effect[] } | { ok: false; refused: string };

export type Reducer<T> = (record: IncidentRecord, value: T, ctx: ReducerContext) => Reduced;

/** Keeps state bounded during alert storms: further distinct alerts are counted, not listed. */
const MAX_DISTINCT_ALERTS = 100;
const SEVERITY_RANK = { sev3: 0, sev2: 1, sev1: 2 } as const;

const refused = (reason: string): Reduced => ({ ok: false, refused: reason });
const done = (record: IncidentRecord, message: string, effects: Effect[]): Reduced => ({
  ok: true,
  record,
  message,
  effects,
});

function note(
  record: IncidentRecord,
  ctx: ReducerContext,
  kind: TimelineKind,
  summary: string,
  extra: Pick<TimelineEntry, 'actor' | 'step'> = {},
): IncidentRecord {
  return entryRecorded(record, { at: ctx.now, kind, summary, ...extra });
}

/** Moves the incident to a phase (once): its time, a timeline entry, and both effects. */
function enterPhase(
  record: IncidentRecord,
  ctx: ReducerContext,
  phase: Phase,
  actor?: string,
): { record: IncidentRecord; effects: Effect[] } {
  if (record.phase === phase) return { record, effects: [] };
  return { record: phaseEntered(record, phase, ctx.now, actor), effects: ['changed', 'publish'] };
}

export const acknowledge: Reducer<input.AcknowledgeInput> = (record, { by, note: text }, ctx) => {
  if (record.resolution) return refused('incident already resolved');
  let next: IncidentRecord = {
    ...record,
    acknowledgements: [...record.acknowledgements, { by, at: ctx.now, note: text }],
    engine: { ...record.engine, acknowledged: true, lastActor: by },
  };
  next = note(next, ctx, 'acknowledgement', `acknowledged by ${by}${text ? `: ${text}` : ''}`, { actor: by });
  if (next.phase === 'detected') {
    const entered = enterPhase(next, ctx, 'acknowledged', by);
    return done(entered.record, `acknowledged by ${by}`, entered.effects);
  }
  return done(next, `acknowledged by ${by}`, ['changed', 'publish']);
};

export const reopen: Reducer<input.ReopenInput> = (record, { by, reason }, ctx) => {
  if (record.resolution) return refused('incident already resolved: a new alert opens a new incident');
  if (!record.engine.acknowledged) return refused('not acknowledged: escalation is already running');
  const { engine } = record;
  let next: IncidentRecord = {
    ...record,
    escalationLevel: 0,
    engine: {
      ...engine,
      acknowledged: false,
      escalationEpoch: engine.escalationEpoch + 1,
      escalationRound: 0,
      escalationLastAt: ctx.now,
      lastActor: by,
    },
  };
  next = note(next, ctx, 'acknowledgement', `reopened by ${by}: ${reason}; escalation starts over`, {
    actor: by,
  });
  const effects: Effect[] = [];
  if (next.phase === 'acknowledged') {
    const entered = enterPhase(next, ctx, 'detected', by);
    next = entered.record;
    effects.push(...entered.effects);
  }
  return done(next, `reopened by ${by}: escalation starts over`, [...effects, 'changed', 'publish']);
};

export const escalate: Reducer<input.EscalateInput> = (record, { by, reason }, ctx) => {
  if (record.resolution) return refused('incident already resolved');
  const levels = ctx.runbook.escalation.levels;
  const last = levels[levels.length - 1];
  const exhausted =
    record.escalationLevel >= levels.length && record.engine.escalationRound >= (last?.repeat ?? 1);
  if (exhausted) return refused(`already at the last escalation level (${levels.length})`);
  const next = note(
    { ...record, engine: { ...record.engine, escalationRequests: record.engine.escalationRequests + 1 } },
    ctx,
    'escalation',
    `escalation requested by ${by}${reason ? `: ${reason}` : ''}`,
    { actor: by },
  );
  return done(next, `escalating to the next level (requested by ${by})`, []);
};

/**
 * A signed link works once, whichever gateway replica it reaches: the incident records the link's
 * nonce when its action succeeds and refuses the nonce after. Actions through the signed-in status
 * page also say so in the timeline (`via`).
 */
function oncePerLink<T extends input.ChannelFields & { step: string; by?: string }>(
  reducer: Reducer<T>,
): Reducer<T> {
  return (record, value, ctx) => {
    const used = record.engine.usedLinks ?? [];
    if (value.link && used.includes(value.link)) return refused(`this link was already used (${value.step})`);
    const reduced = reducer(record, value, ctx);
    if (!reduced.ok) return reduced;
    let next = reduced.record;
    if (value.link) next = { ...next, engine: { ...next.engine, usedLinks: [...used, value.link] } };
    if (value.via && value.by)
      next = note(
        next,
        ctx,
        'approval',
        `${value.step}: the decision of ${value.by} came through the ${value.via}`,
        {
          actor: value.by,
          step: value.step,
        },
      );
    return { ...reduced, record: next };
  };
}

function decision(kind: DecisionAttempt['decision']): Reducer<input.DecisionInput> {
  return (record, value, ctx) => {
    const attempt: DecisionAttempt = { step: value.step, by: value.by, decision: kind, reason: value.reason };
    const lastActor = ctx.twoPersonAtDecision() ? record.engine.lastActor : undefined;
    const approvalSteps = allSteps(ctx.runbook.steps)
      .filter((s) => s.kind === 'approval')
      .map((s) => s.id);
    const approval = record.approvals.filter((a) => a.step === attempt.step).at(-1);
    const verdict = judge(attempt, approval, approvalSteps, lastActor);
    if (!verdict.ok) return refused(`${attempt.step}: ${verdict.reason}`);
    const decided = { ...approval!, decisions: [...approval!.decisions] };
    applyDecision(decided, attempt, ctx.now);
    const counted = decided.decisions.filter((d) => d.decision === 'approve').length;
    const next = note(
      {
        ...record,
        approvals: record.approvals.map((a) => (a === approval ? decided : a)),
        engine: { ...record.engine, lastActor: attempt.by },
      },
      ctx,
      'approval',
      kind === 'approve'
        ? `${decided.title}: approved by ${attempt.by} (${counted} of ${decided.quorum})`
        : `${decided.title}: rejected by ${attempt.by}: ${attempt.reason}`,
      { actor: attempt.by, step: attempt.step },
    );
    const verb = kind === 'approve' ? 'approved' : 'rejected';
    return done(next, `${verb} by ${attempt.by}; ${attempt.step} is ${decided.state}`, ['publish']);
  };
}

export const approve = oncePerLink(decision('approve'));
export const reject = oncePerLink(decision('reject'));

export const setAwareness: Reducer<input.AwarenessInput> = (record, { at, by, reason }, ctx) => {
  const outside = ctx.outsideWindow('at', at);
  if (outside) return refused(outside);
  const previous = record.awareness?.at;
  const next = note(
    { ...record, awareness: { at, by }, engine: { ...record.engine, lastActor: by } },
    ctx,
    'fact',
    `awareness time set to ${at}${previous ? ` (was ${previous})` : ''} by ${by}: ${reason}`,
    { actor: by },
  );
  return done(next, `awareness time is ${at}`, ['changed', 'publish']);
};

export const setFact: Reducer<input.FactInput> = (record, { name, value, by }, ctx) => {
  // Own keys only: `constructor` or `__proto__` name no declared fact.
  const declared = Object.prototype.hasOwnProperty.call(ctx.runbook.facts, name)
    ? ctx.runbook.facts[name]
    : undefined;
  const decl = declared ?? (name === 'euPersonalData' ? { type: 'boolean' as const } : undefined);
  if (!decl) {
    const settable = ['euPersonalData', ...Object.keys(ctx.runbook.facts)];
    const hint = (BUILT_IN_FACTS as readonly string[]).includes(name)
      ? ' (built-in facts come from the alert)'
      : '';
    return refused(`unknown fact "${name}"${hint}; settable: ${settable.join(', ')}`);
  }
  const coerced = coerceFact(name, decl, value);
  if ('error' in coerced) return refused(coerced.error);
  let next: IncidentRecord;
  if (name === 'euPersonalData') {
    next = { ...record, facts: { ...record.facts, euPersonalData: coerced.value as boolean } };
    if (coerced.value === true && !next.awareness) next = { ...next, awareness: { at: ctx.now, by } };
  } else {
    next = {
      ...record,
      facts: { ...record.facts, custom: { ...record.facts.custom, [name]: coerced.value } },
    };
  }
  next = note(
    { ...next, engine: { ...next.engine, lastActor: by } },
    ctx,
    'fact',
    `${name} set to ${JSON.stringify(coerced.value)} by ${by}`,
    {
      actor: by,
    },
  );
  return done(next, `${name} = ${JSON.stringify(coerced.value)}`, ['changed', 'publish']);
};

export const clockMet: Reducer<input.ClockMetInput> = (record, { clock: id, by, at, note: text }, ctx) => {
  const clock = record.clocks.find((c) => c.id === id);
  if (!clock)
    return refused(`unknown clock "${id}" (clocks: ${record.clocks.map((c) => c.id).join(', ') || 'none'})`);
  if (clock.metAt) return refused(`${id} was already met at ${clock.metAt}`);
  const when = at ?? ctx.now;
  const outside = ctx.outsideWindow('at', when);
  if (outside) return refused(outside);
  const next = note(
    { ...record, clocks: record.clocks.map((c) => (c === clock ? { ...c, metAt: when } : c)) },
    ctx,
    'clock',
    `${clock.title}: recorded as met at ${when} by ${by}${text ? `: ${text}` : ''}`,
    { actor: by },
  );
  return done(next, `${id} met at ${when}`, ['changed', 'publish']);
};

export const confirmReceipt: Reducer<input.ReceiptInput> = oncePerLink((record, value, ctx) => {
  const { step, recipient, via, acknowledge: ack } = value;
  const messaged = record.deliveries.some(
    (d) => d.step === step && d.recipient === recipient && d.outcome !== 'failed',
  );
  if (!messaged) return refused(`no message of step "${step}" went to ${recipient}`);
  let next = record;
  if (!record.receipts.some((r) => r.step === step && r.recipient === recipient)) {
    next = note(
      { ...record, receipts: [...record.receipts, { at: ctx.now, step, recipient, via }] },
      ctx,
      'notification',
      `${recipient} confirmed the ${step} message (${via})`,
      { actor: recipient, step },
    );
  }
  const recorded = `receipt of ${step} by ${recipient} recorded`;
  if (!ack) return done(next, recorded, []);
  if (next.resolution) return done(next, `${recorded}; incident already resolved`, []);
  if (next.engine.acknowledged) return done(next, `${recorded}; already acknowledged`, []);
  const acked = acknowledge(next, { by: recipient, note: `via ${via}` }, ctx);
  return acked.ok ? { ...acked, message: `${acked.message} (${via})` } : acked;
});

export const setPhase: Reducer<input.PhaseInput> = (record, { phase, by, note: text }, ctx) => {
  if (record.resolution) return refused('incident already resolved');
  if (phaseReached(record.phase, phase)) return refused(`already ${record.phase}`);
  const declared = note(
    { ...record, engine: { ...record.engine, lastActor: by } },
    ctx,
    'phase',
    `${by} declares the incident ${phase}${text ? `: ${text}` : ''}`,
    { actor: by },
  );
  const entered = enterPhase(declared, ctx, phase, by);
  return done(entered.record, `phase is ${phase}`, entered.effects);
};

export const resolve: Reducer<input.ResolveInput> = (record, { by, reason }, ctx) => {
  if (record.resolution) return refused('incident already resolved');
  const next = note(
    { ...record, resolution: { by, reason, at: ctx.now } },
    ctx,
    'resolution',
    `resolved by ${by}: ${reason}`,
    {
      actor: by,
    },
  );
  const entered = enterPhase(next, ctx, 'resolved', by);
  return done(entered.record, `resolved by ${by}`, entered.effects);
};

/** Every alert for this fingerprint: counted, grouped by source and title, severity only ever raised. */
export const alert: Reducer<Alert> = (record, received, ctx) => {
  let next: IncidentRecord = { ...record, alertCount: record.alertCount + 1 };
  const effects: Effect[] = [];
  if (received.severity && SEVERITY_RANK[received.severity] > SEVERITY_RANK[next.facts.severity]) {
    next = note(
      next,
      ctx,
      'alert',
      `severity raised ${next.facts.severity} → ${received.severity} by an alert from ${received.source}`,
    );
    next = { ...next, facts: { ...next.facts, severity: received.severity } };
    if (!next.engine.acknowledged && !next.resolution)
      next = { ...next, engine: { ...next.engine, escalationRequests: next.engine.escalationRequests + 1 } };
    effects.push('publish');
  }
  const existing = next.alerts.find((a) => a.source === received.source && a.title === received.title);
  if (existing) {
    const changedStatus = existing.status !== received.status;
    const updated = { ...existing, count: existing.count + 1, lastAt: ctx.now, status: received.status };
    next = { ...next, alerts: next.alerts.map((a) => (a === existing ? updated : a)) };
    if (changedStatus)
      next = note(next, ctx, 'alert', `${received.source} reports "${received.title}" ${received.status}`);
    return done(next, 'alert counted', effects);
  }
  if (next.alerts.length < MAX_DISTINCT_ALERTS) {
    const { source, title, status } = received;
    next = {
      ...next,
      alerts: [...next.alerts, { source, title, status, count: 1, firstAt: ctx.now, lastAt: ctx.now }],
    };
  }
  next = note(next, ctx, 'alert', `alert from ${received.source}: "${received.title}" (${received.status})`);
  return done(next, 'alert counted', effects);
};
