/**
 * Everything a running incident knows, and the one place that changes it: each change lands in
 * the timeline and, where the Web UI filters on it, in the search attributes. The whole state is
 * plain data, so continue-as-new carries it to the next run unchanged.
 */
import { patched, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import * as progress from '../domain/incident-progress';
import type { ConditionContext } from '../domain/evaluate-condition';
import { formatDuration } from '../domain/duration';
import type {
  Acknowledgement,
  AlertsResolved,
  ApprovalStatus,
  CarriedIncident,
  EngineState,
  ClockStatus,
  Delivery,
  DistinctAlert,
  IncidentFacts,
  IncidentInput,
  IncidentRecord,
  IncidentStatus,
  Receipt,
  Resolution,
  ReviewState,
  StepRecord,
  StepResult,
  TimelineEntry,
  TimelineKind,
} from '../domain/incident';
import type { Phase } from '../domain/phase';
import * as sa from '../domain/search-attributes';
import { foldTimeline, TIMELINE_KEEP } from '../domain/timeline-fold';
import { urgencyOf, type Urgency } from '../domain/urgency';

/**
 * Incidents started before the status page sorted on urgency did not publish it; they replay
 * without it and publish it from their next change on (domain/urgency.ts).
 */
export const URGENCY_ATTRIBUTES_PATCH = 'status-urgency-attributes';

/**
 * Patch id of the lean lifecycle (issue 16): one marker that stands for every earlier patch
 * (each cost two history events), search attributes upserted only when they change, and each
 * notification's first attempts in one activity (workflows/notify.ts).
 */
export const LEAN_LIFECYCLE_PATCH = 'lean-lifecycle';

/**
 * The lean lifecycle, and the clocks computed before the incident first publishes its search
 * attributes: opening an incident upserts once, not twice (one Action less). Like its predecessor
 * it is the run's one marker: a run with it never asks for `lean-lifecycle`.
 */
export const LEAN_LIFECYCLE_2_PATCH = 'lean-lifecycle-2';

/** Where the urgency attributes start in searchAttributes(): the status page's, not the filters'. */
const URGENCY_AT = 7;

export class IncidentState {
  phase: Phase = 'detected';
  escalationLevel = 0;
  alertCount = 0;
  facts: IncidentFacts;
  alerts: DistinctAlert[] = [];
  acknowledgements: Acknowledgement[] = [];
  deliveries: Delivery[] = [];
  receipts: Receipt[] = [];
  timeline: TimelineEntry[] = [];
  steps: StepRecord[] = [];
  clocks: ClockStatus[];
  approvals: ApprovalStatus[] = [];
  awareness?: { at: string; by: string };
  /** The post-incident review, once open (workflows/review.ts). */
  review?: ReviewState;
  /** Failures inside the incident that need a person; see needsAttention(). */
  attention: string[] = [];
  resolution?: Resolution;
  /** Emergency spend requests (domain/spend-reducers.ts); absent until the first one. */
  spend?: IncidentRecord['spend'];
  /** Every alert resolved at its source (workflows/alerts-resolved.ts). */
  alertsResolved?: AlertsResolved;
  engine: EngineState;
  /** Background notifications in flight: continue-as-new waits for none. */
  busy = 0;
  /** Steps doing something right now (not waiting): continue-as-new waits until none is. */
  working = 0;
  /** Bumped on every change a clock may depend on, so clock watchers re-evaluate. */
  version = 0;
  /** Set when the workflow is about to return: background loops stop. */
  finished = false;
  /** The urgency last upserted: an unchanged one adds no history event. */
  private publishedUrgency = urgencyThisRunStartedWith();
  /** Lean runs: each search attribute's value as last set (JSON), so only changes are upserted. */
  private published = attributesThisRunStartedWith();

  readonly input: IncidentInput;
  /**
   * Whether this run has the lean lifecycle. Asked once, first thing: runs that began before it
   * replay without its marker and keep asking each earlier patch where they always did.
   */
  readonly lean: boolean;
  /** Whether the clocks are computed before the first publish (LEAN_LIFECYCLE_2_PATCH). */
  readonly clocksBeforeFirstPublish: boolean;

  constructor(input: IncidentInput) {
    this.clocksBeforeFirstPublish = patched(LEAN_LIFECYCLE_2_PATCH);
    this.lean = this.clocksBeforeFirstPublish || patched(LEAN_LIFECYCLE_PATCH);
    this.input = upgradeInput(input);
    this.facts = this.input.facts;
    // Clocks run on the server's time, not the time stamp of the machine that sent the alert.
    const detectedAt = this.now();
    this.engine = progress.startingEngine(detectedAt);
    this.clocks = progress.startingClocks(this.input.runbook);
    if (input.carried) this.restore(input.carried);
    else if (this.facts.euPersonalData)
      this.awareness = { at: detectedAt, by: 'alert: EU personal data affected' };
  }

  /** Whether a change made behind patch `id` applies: always in a lean run, else as Temporal says. */
  patched(id: string): boolean {
    return this.lean || patched(id);
  }

  get detectedAt(): string {
    return this.engine.phaseTimes.detected!;
  }

  get id(): string {
    return this.input.incidentId;
  }
  get runbook() {
    return this.input.runbook;
  }
  get acknowledged(): boolean {
    return this.engine.acknowledged;
  }
  get resolved(): boolean {
    return this.resolution !== undefined;
  }
  get pendingApprovals(): ApprovalStatus[] {
    return this.approvals.filter((a) => a.state === 'pending');
  }

  now(): string {
    return new Date().toISOString();
  }

  record(kind: TimelineKind, summary: string, extra: { actor?: string; step?: string } = {}): void {
    this.commit(progress.entryRecorded(this.snapshot(), { at: this.now(), kind, summary, ...extra }));
  }

  /** Applies one of the incident's own reducers (domain/incident-progress.ts) to its record. */
  apply<A extends unknown[]>(
    reducer: (record: IncidentRecord, ...args: A) => IncidentRecord,
    ...args: A
  ): void {
    this.commit(reducer(this.snapshot(), ...args));
  }

  /**
   * The last-resort guard: something failed inside the incident (a handler, a step). It keeps
   * running, records the failure where everyone looks, and asks the next escalation level.
   */
  needsAttention(what: string): void {
    this.apply(progress.attentionNeeded, `needs attention: ${what}`.slice(0, 1000), this.now());
    this.publish();
  }

  changed(): void {
    this.version++;
    this.refreshClocks();
  }

  /** Sets the search attributes the Web UI and `lockout list` filter on, and the UI's details. */
  publish(): void {
    if (this.lean) {
      this.upsertChanged();
      setCurrentDetails(this.details());
      return;
    }
    // Runs from before the lean lifecycle: the seven filter attributes every time.
    upsertSearchAttributes(this.searchAttributes().slice(0, URGENCY_AT));
    this.publishUrgency();
    setCurrentDetails(this.details());
  }

  /**
   * The nearest running deadline and who may decide a pending approval, for the status page.
   * Clocks change on their own timers, so refreshClocks() calls this too; only a change upserts.
   */
  publishUrgency(): void {
    if (this.lean) return this.upsertChanged();
    if (!patched(URGENCY_ATTRIBUTES_PATCH)) return;
    const urgency = urgencyOf(this);
    const key = JSON.stringify(urgency);
    if (key === this.publishedUrgency) return;
    this.publishedUrgency = key;
    upsertSearchAttributes(this.searchAttributes().slice(URGENCY_AT));
  }

  /** Every search attribute the incident sets, as it should be now (the urgency ones from URGENCY_AT). */
  private searchAttributes(): SearchAttributeUpdatePair[] {
    const { facts } = this;
    const urgency = urgencyOf(this);
    return [
      { key: sa.PATTERN, value: facts.pattern },
      { key: sa.SEVERITY, value: facts.severity },
      { key: sa.REGION, value: facts.region },
      { key: sa.PHASE, value: this.phase },
      { key: sa.ESCALATION_LEVEL, value: this.escalationLevel },
      { key: sa.EU_PERSONAL_DATA, value: facts.euPersonalData },
      { key: sa.PENDING_APPROVALS, value: this.pendingApprovals.length },
      { key: sa.NEXT_DEADLINE, value: urgency.nextDeadline ? new Date(urgency.nextDeadline) : null },
      { key: sa.APPROVERS, value: urgency.approvers.length ? urgency.approvers : null },
    ] as SearchAttributeUpdatePair[];
  }

  /** One upsert of the attributes whose value changed since they were last set, if any did. */
  private upsertChanged(): void {
    const changed = this.searchAttributes().filter(
      ({ key, value }) => this.published.get(key.name) !== attributeText(value),
    );
    if (!changed.length) return;
    for (const { key, value } of changed) this.published.set(key.name, attributeText(value));
    upsertSearchAttributes(changed);
  }

  /** Markdown shown under "Current details" in the Web UI. */
  details(): string {
    const lastAck = this.acknowledged ? this.acknowledgements.at(-1) : undefined;
    const next = this.clocks
      .filter((c) => c.state === 'running' && c.deadline)
      .sort((a, b) => Date.parse(a.deadline!) - Date.parse(b.deadline!))[0];
    const now = Date.now();
    const lines = [
      `**${this.phase}** · ${this.facts.severity} · ${this.facts.pattern} · region ${this.facts.region}` +
        (this.facts.euPersonalData ? ' · EU personal data' : ''),
      `Escalation level ${this.escalationLevel} of ${this.runbook.escalation.levels.length}` +
        (lastAck ? ` · acknowledged by ${lastAck.by}` : ' · not acknowledged'),
      next
        ? `Next deadline: **${next.title}** at ${next.deadline} (in ${formatDuration(Date.parse(next.deadline!) - now)})`
        : 'No deadline running',
      ...this.pendingApprovals.map(
        (a) => `Awaiting approval: **${a.title}** (${a.step}) from ${a.eligible.join(', ')}`,
      ),
      `Alerts: ${this.alertCount} · runbook ${this.runbook.id} v${this.runbook.version}`,
    ];
    if (this.attention.length)
      lines.unshift(`**Needs attention**: ${this.attention.at(-1)} (${this.attention.length} in all)`);
    const missed = this.clocks.filter((c) => c.state === 'missed');
    if (missed.length) lines.splice(2, 0, `Missed: ${missed.map((c) => c.title).join(', ')}`);
    return lines.join('\n\n');
  }

  setPhase(phase: Phase, actor?: string): void {
    if (this.phase === phase) return;
    this.apply(progress.phaseEntered, phase, this.now(), actor);
    this.changed();
    this.publish();
  }

  /** The record the reducers take (domain/incident-reducers.ts): plain data, nothing copied. */
  snapshot(): IncidentRecord {
    return {
      phase: this.phase,
      escalationLevel: this.escalationLevel,
      alertCount: this.alertCount,
      facts: this.facts,
      alerts: this.alerts,
      acknowledgements: this.acknowledgements,
      deliveries: this.deliveries,
      receipts: this.receipts,
      resolution: this.resolution,
      steps: this.steps,
      clocks: this.clocks,
      approvals: this.approvals,
      awareness: this.awareness,
      ...(this.review ? { review: this.review } : {}),
      attention: this.attention,
      ...(this.spend ? { spend: this.spend } : {}),
      timeline: this.timeline,
      ...(this.alertsResolved ? { alertsResolved: this.alertsResolved } : {}),
      engine: this.engine,
    };
  }

  /**
   * Makes a reducer's record the incident's. The engine, each clock and each approval are objects
   * the workflow's waiting code holds on to (escalation, clock watchers, approval gates), so they
   * take the new values in place; everything else is replaced.
   */
  commit(next: IncidentRecord): void {
    if (next.engine !== this.engine) Object.assign(this.engine, next.engine);
    mergeInPlace(this.clocks, next.clocks);
    mergeInPlace(this.approvals, next.approvals);
    mergeInPlace(this.steps, next.steps);
    this.phase = next.phase;
    this.escalationLevel = next.escalationLevel;
    this.alertCount = next.alertCount;
    this.facts = next.facts;
    this.alerts = next.alerts;
    this.acknowledgements = next.acknowledgements;
    this.deliveries = next.deliveries;
    this.receipts = next.receipts;
    this.resolution = next.resolution;
    this.awareness = next.awareness;
    this.review = next.review;
    this.attention = next.attention;
    this.spend = next.spend;
    this.timeline = next.timeline;
    this.alertsResolved = next.alertsResolved;
  }

  /** The step's record, started now. */
  startStep(id: string, kind: string, title?: string): StepRecord {
    const record: StepRecord = { id, kind, title, state: 'running', startedAt: this.now() };
    this.apply(progress.stepStarted, record);
    return record;
  }

  /** `record`: what startStep returned (it follows every commit, so the caller may keep it). */
  finishStep(record: StepRecord, state: StepRecord['state'], result?: StepResult): void {
    this.apply(progress.stepFinished, this.steps.indexOf(record), state, this.now(), result);
    this.changed();
  }

  lastStep(id: string): StepRecord | undefined {
    return this.steps.filter((s) => s.id === id).at(-1);
  }

  conditions(): ConditionContext {
    return progress.conditionsOf(this.snapshot());
  }

  /** Recomputes every clock from the incident's events, facts and step results. */
  refreshClocks(): void {
    this.apply(progress.clocksRefreshed, this.runbook, Date.now());
    this.publishUrgency();
  }

  status(): IncidentStatus {
    const { runbook } = this;
    const { engine: _engine, attention, ...record } = this.snapshot();
    return {
      incidentId: this.id,
      runbook: { id: runbook.id, version: runbook.version, title: runbook.title },
      detectedAt: this.detectedAt,
      escalationLevels: runbook.escalation.levels.length,
      ...record,
      ...(attention.length ? { attention } : {}),
    };
  }

  /**
   * What every message activity gets: the status without the three lists that grow with the
   * incident (timeline, delivery log, step records). The few templates that print them (status
   * updates, reports) query the workflow for the full status instead (activities/message.ts).
   */
  compactStatus(): IncidentStatus {
    return { ...this.status(), steps: [], timeline: [], deliveries: [] };
  }

  /** Whether this run's history is long enough to hand over to a fresh run. */
  historyIsLong(): boolean {
    const info = workflowInfo();
    const limit = this.input.limits?.historyEvents ?? 10_000;
    return info.continueAsNewSuggested || info.historyLength >= limit;
  }

  /** The next run's start: the whole state, the oldest timeline entries folded (domain/timeline-fold.ts). */
  carry(): CarriedIncident {
    const status = this.status();
    const received = this.input.carried?.status.timeline.length ?? 0;
    const keep = this.input.limits?.timelineEntries ?? TIMELINE_KEEP;
    return {
      status: { ...status, timeline: foldTimeline(status.timeline, received, keep) },
      engine: this.engine,
    };
  }

  private restore({ status, engine }: CarriedIncident): void {
    this.commit({ ...status, receipts: status.receipts ?? [], attention: status.attention ?? [], engine });
  }
}

/** A continued run starts with its predecessor's search attributes: no need to upsert them again. */
function urgencyThisRunStartedWith(): string {
  const attributes = workflowInfo().typedSearchAttributes;
  const urgency: Urgency = {
    nextDeadline: attributes.get(sa.NEXT_DEADLINE)?.toISOString() ?? null,
    approvers: attributes.get(sa.APPROVERS) ?? [],
  };
  return JSON.stringify(urgency);
}

/** The search attributes this run started with (the client sets most of them at start). */
function attributesThisRunStartedWith(): Map<string, string> {
  const started = new Map<string, string>();
  for (const { key, value } of workflowInfo().typedSearchAttributes.getAll())
    started.set(key.name, attributeText(value));
  return started;
}

/** A search attribute's value as comparable text: unset and empty lists are the same. */
function attributeText(value: unknown): string {
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) return '';
  return JSON.stringify(value);
}

/**
 * Inputs of incidents started by earlier versions lack fields added since; they get the
 * defaults the schema gives new runbooks, so those incidents replay and continue unchanged.
 */
function upgradeInput(input: IncidentInput): IncidentInput {
  const runbook = input.runbook as Partial<IncidentInput['runbook']> & IncidentInput['runbook'];
  return {
    ...input,
    runbook: { ...runbook, clocks: runbook.clocks ?? [], facts: runbook.facts ?? {} },
    facts: { ...input.facts, custom: input.facts.custom ?? {} },
  };
}

/** Takes a reducer's list into the live one: changed elements in place, new ones appended. */
function mergeInPlace<T extends object>(live: T[], next: readonly T[]): void {
  if (live === next) return;
  next.forEach((item, i) => {
    const current = live[i];
    if (current === undefined) live.push(item);
    else if (current !== item) Object.assign(current, item);
  });
}
