/**
 * The shape of an incident: what the workflow is started with, what its `status` query returns.
 * Pure types, shared by the workflow, the CLI and the gateway.
 */
import type { Alert, Pattern, Region, Severity } from './alert';
import type { ApprovalState, ClockState, FactValue, StepState } from './conditions';
import type { Phase } from './phase';
import type { Channel, Runbook } from './runbook';
import type { SpendRequest } from './spend-input';

/** What is known about the lockout; templates and runbook conditions read these. */
export interface IncidentFacts {
  title: string;
  pattern: Pattern;
  severity: Severity;
  region: Region;
  euPersonalData: boolean;
  source: string;
  description?: string;
  labels: Record<string, string>;
  /** Facts the runbook declares (runbook.facts): from alert labels or defaults, settable by responders. */
  custom: Record<string, FactValue>;
}

export interface IncidentInput {
  incidentId: string;
  runbook: Runbook;
  facts: IncidentFacts;
  /** ISO time the intake received the first alert (the workflow's clocks start at its own start). */
  detectedAt: string;
  /** State handed over by continue-as-new. */
  carried?: CarriedIncident;
  /**
   * Opened during high-risk periods that expect acknowledgement sooner: the shortest of their
   * `acknowledgeWithin`. No escalation level waits longer than this for an acknowledgement.
   */
  acknowledgeWithin?: string;
  limits?: {
    /** For tests and simulations: continue-as-new after this many history events (default 10,000). */
    historyEvents?: number;
    /** Timeline entries carried to the next run before the oldest are folded (default 500, domain/timeline-fold.ts). */
    timelineEntries?: number;
    /** How long before the first alert a responder's time may be (awareness, clock met); default 30 days. */
    pastMarginMs?: number;
  };
}

export type TimelineKind =
  | 'alert'
  | 'step'
  | 'notification'
  | 'escalation'
  | 'acknowledgement'
  | 'phase'
  | 'clock'
  | 'approval'
  | 'fact'
  | 'resolution'
  | 'refused'
  /** The incident moved to another pattern's runbook (domain/reclassification.ts). */
  | 'reclassified'
  /** Something failed inside the incident itself: it keeps running, escalates, and says so. */
  | 'attention'
  /** The post-incident review (domain/review.ts). */
  | 'review';

export interface TimelineEntry {
  at: string;
  kind: TimelineKind;
  summary: string;
  actor?: string;
  step?: string;
}

export interface Acknowledgement {
  by: string;
  at: string;
  note?: string;
}

/** One recipient reached (or not) on one channel. */
export interface Delivery {
  at: string;
  step: string;
  recipient: string;
  channel: Channel;
  outcome: 'delivered' | 'outboxed' | 'failed';
  messageId?: string;
  detail?: string;
}

/** A recipient confirmed they got a message (acknowledgement link, reply). */
export interface Receipt {
  at: string;
  step: string;
  recipient: string;
  /** How they confirmed, e.g. `email link`. */
  via: string;
}

export interface DistinctAlert {
  source: string;
  title: string;
  status: Alert['status'];
  count: number;
  firstAt: string;
  lastAt: string;
}

export interface Resolution {
  by: string;
  at: string;
  reason: string;
}

/** What a runbook `activity` step returns: a line for the timeline, details for the report. */
export interface StepResult {
  /** false: the check found a problem, or the remediation did not take (not an exception). */
  ok: boolean;
  summary: string;
  data?: Record<string, unknown>;
}

export interface StepRecord {
  id: string;
  kind: string;
  title?: string;
  state: StepState;
  startedAt: string;
  endedAt?: string;
  result?: StepResult;
}

/** A deadline measured from an event: the seed's communication phases, GDPR, NIS2. */
export interface ClockStatus {
  id: string;
  title: string;
  /** Event the clock runs from, e.g. `detected`, `acknowledged`, `aware`. */
  from: string;
  within: string;
  /** Legal clocks (GDPR, NIS2) as opposed to internal policy. */
  legal: boolean;
  state: ClockState;
  startedAt?: string;
  deadline?: string;
  metAt?: string;
  /** How late it was met, or how late it is now once missed (ms). */
  lateByMs?: number;
  warnedAt: string[];
}

export interface ApprovalDecision {
  by: string;
  at: string;
  decision: 'approve' | 'reject';
  reason?: string;
}

export interface ApprovalStatus {
  step: string;
  title: string;
  /** Who may decide, at the current approver level. */
  approvers: { roles: string[]; people: string[] };
  quorum: number;
  twoPersonRule: boolean;
  requestedAt: string;
  /** Who set the approved action in motion (may not approve it under the two-person rule). */
  requestedBy?: string;
  deadline?: string;
  level: number;
  state: ApprovalState;
  /** Person ids allowed to decide at the current level (resolved from roles when asked). */
  eligible: string[];
  decisions: ApprovalDecision[];
  /** What approval lets happen: the next activity and its exact arguments. */
  action?: { activity: string; args: Record<string, unknown> };
}

export interface IncidentStatus {
  incidentId: string;
  runbook: { id: string; version: number; title: string };
  facts: IncidentFacts;
  phase: Phase;
  detectedAt: string;
  escalationLevel: number;
  escalationLevels: number;
  alertCount: number;
  alerts: DistinctAlert[];
  acknowledgements: Acknowledgement[];
  deliveries: Delivery[];
  /** Recipients known to have been reached (they confirmed). */
  receipts: Receipt[];
  resolution?: Resolution;
  steps: StepRecord[];
  clocks: ClockStatus[];
  approvals: ApprovalStatus[];
  /** When the organisation became aware of a personal-data breach (GDPR Art. 33), if set. */
  awareness?: { at: string; by: string };
  /** What went wrong inside the incident and needs a person (absent when nothing did). */
  attention?: string[];
  /** The post-incident review, once resolved, where the runbook asks for one (domain/review.ts). */
  review?: ReviewState;
  /** Emergency spend requested through the runbook (absent when none was); see domain/crisis-budget.ts. */
  spend?: SpendRequest[];
  timeline: TimelineEntry[];
  /** Every alert has resolved at its source (absent otherwise): domain/alerts-resolved.ts. */
  alertsResolved?: AlertsResolved;
}

/** A reclassification a responder asked for, until the workflow has fetched its runbook and moved. */
export interface ReclassificationRequest {
  pattern: Pattern;
  /** A runbook named explicitly (else the pattern's runbook, as for a new alert). */
  runbook?: string;
  by: string;
  reason: string;
  at: string;
}

/** Every alert of the incident has resolved at its source, and what the runbook does about it. */
export interface AlertsResolved {
  at: string;
  /** The runbook's `onAlertsResolved`: propose resolution, resolve after a quiet period, or only record. */
  policy: 'propose' | 'resolve-after' | 'ignore';
  /** With `resolve-after`: when the incident resolves itself unless an alert fires again. */
  resolvesAt?: string;
}

export interface ReviewItem {
  /** `A1`, `A2`, … in the order they were added. */
  id: string;
  title: string;
  owner?: string;
  due?: string;
  state: 'open' | 'closed';
  addedBy: string;
  addedAt: string;
  closedBy?: string;
  closedAt?: string;
  note?: string;
  /** When the owner was reminded of this item's due date. */
  remindedAt?: string;
}

export interface ReviewState {
  state: 'open' | 'recorded' | 'waived';
  openedAt: string;
  due: string;
  items: ReviewItem[];
  /** When the commander was reminded of the review's due date. */
  remindedAt?: string;
  recorded?: { by: string; at: string; summary: string };
  waived?: { by: string; at: string; reason: string };
}

/** Progress of the interpreter itself, carried across continue-as-new. */
export interface EngineState {
  /** Next top-level step to run. */
  cursor: number;
  stepsDone: boolean;
  closingSent: boolean;
  /** Steps not to run: their approval was refused. */
  skip: string[];
  /** Currently acknowledged (a reopen takes it back). */
  acknowledged: boolean;
  /** Bumped by a reopen: the escalation chain starts over. */
  escalationEpoch: number;
  escalationRound: number;
  escalationLastAt: string;
  /** Escalations asked for (manually, or by a more severe alert) and not yet carried out. */
  escalationRequests: number;
  /** The responder whose action last moved the incident forward (two-person rule). */
  lastActor?: string;
  phaseTimes: Partial<Record<Phase, string>>;
  /** Background notify steps with a cadence: when each last went out. */
  repeaters: Record<string, string>;
  /** Nonces of signed links already used: a link works once (absent before links existed). */
  usedLinks?: string[];
  /** Ids of responder actions already applied, newest last (bounded): a repeat is not applied twice. */
  appliedActions?: string[];
  /** Per parallel step, the next step of each branch, so a fresh run resumes each branch there. */
  branchCursors?: Record<string, number[]>;
  /** A reclassification accepted and not yet carried out (domain/reclassification.ts). */
  reclassification?: ReclassificationRequest;
}

/**
 * Everything a running incident knows and changes, as plain data: what the reducers
 * (domain/incident-reducers.ts) take and return.
 */
export type IncidentRecord = Pick<
  IncidentStatus,
  | 'phase'
  | 'escalationLevel'
  | 'alertCount'
  | 'facts'
  | 'alerts'
  | 'acknowledgements'
  | 'deliveries'
  | 'receipts'
  | 'resolution'
  | 'steps'
  | 'clocks'
  | 'approvals'
  | 'awareness'
  | 'review'
  | 'spend'
  | 'timeline'
  | 'alertsResolved'
> & { attention: string[]; engine: EngineState };

export interface CarriedIncident {
  status: IncidentStatus;
  engine: EngineState;
}
