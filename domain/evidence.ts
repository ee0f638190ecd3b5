/**
 * What an evidence pack says about one incident, as plain data: the alerts as received, every
 * decision with who made it, through which channel and when, the clocks, the deliveries with the
 * providers' ids, the remediation, the control mapping and, where EU personal data was involved,
 * the GDPR Art. 33(5) breach record. Pure: the incident's status and what its workflow history
 * says go in, the sections come out (evidence/pack.ts turns them into files and hashes them).
 */
import type { Alert } from './alert';
import type { IncidentStatus, TimelineEntry } from './incident';
import { CONTROLS_BY_PATTERN, INCIDENT_MANAGEMENT_CONTROLS, type Control } from './iso27001';
import type { Runbook } from './runbook';

/** One alert signal as the workflow received it (its history event). */
export interface ReceivedAlert {
  /** When Temporal recorded the signal. */
  at: string;
  alert: Alert;
}

/** One responder action as it reached the incident: a signal or an update in its history. */
export interface HistoryAction {
  at: string;
  /** The action's name (approve, reject, acknowledge, resolve, clockMet, ...). */
  action: string;
  /** The payload as sent (by, step, reason, note, via, ...). */
  input: Record<string, unknown>;
  /** How it arrived at Temporal. */
  as: 'update' | 'signal';
  /** Updates only: what the incident answered. */
  outcome?: { accepted: true; message: string } | { accepted: false; reason: string };
}

/** Everything a pack is built from; the client's history reader fills it (client/evidence-source.ts). */
export interface EvidenceSource {
  status: IncidentStatus;
  /** The runbook the incident ran, from its workflow input (absent if the history is gone). */
  runbook?: Runbook;
  /** `running`, or how the workflow ended (`completed`, `terminated`, ...). */
  execution: string;
  /** When the last run closed, if it has. */
  closedAt?: string;
  /** How many runs the history spans (continue-as-new). */
  runs: number;
  alerts: ReceivedAlert[];
  actions: HistoryAction[];
}

/** A decision an auditor asks about: approvals, rejections, acknowledgements and the like. */
export interface DecisionRecord {
  at: string;
  action: string;
  by: string;
  /** CLI, signed link, status page, SMS reply, Temporal Web UI. */
  channel: string;
  step?: string;
  reason?: string;
  outcome: string;
}

const DECISION_ACTIONS = new Set([
  'approve',
  'reject',
  'acknowledge',
  'reopen',
  'escalate',
  'resolve',
  'clockMet',
  'setAwareness',
  'setFact',
  'setPhase',
  'confirmReceipt',
  'addReviewItem',
  'assignReviewItem',
  'closeReviewItem',
  'recordReview',
  'waiveReview',
]);

/**
 * The channel a person acted through, from what reached Temporal: the gateway names signed links,
 * the status page and SMS replies (`via`); an update without it comes from the CLI (or a script
 * through the client); a signal carrying an action id is the CLI's fallback when no worker
 * answered; a signal without one was typed into the Temporal Web UI ("Send signal").
 */
export function channelOf(action: HistoryAction): string {
  const via = typeof action.input.via === 'string' ? action.input.via : undefined;
  if (via) return via;
  if (action.as === 'update') return 'CLI';
  return typeof action.input.id === 'string' ? 'CLI (signal: no worker answered in time)' : 'Temporal Web UI';
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function decisionsOf(actions: readonly HistoryAction[]): DecisionRecord[] {
  return actions
    .filter((a) => DECISION_ACTIONS.has(a.action))
    .map((a) => ({
      at: a.at,
      action: a.action,
      by: text(a.input.by) ?? text(a.input.recipient) ?? '(not given)',
      channel: channelOf(a),
      ...(text(a.input.step) ? { step: text(a.input.step) } : {}),
      ...((text(a.input.reason) ?? text(a.input.note))
        ? { reason: text(a.input.reason) ?? text(a.input.note) }
        : {}),
      outcome: !a.outcome
        ? 'signal: applied or refused as the timeline records'
        : a.outcome.accepted
          ? `accepted: ${a.outcome.message}`
          : `refused: ${a.outcome.reason}`,
    }));
}

export interface ClockRecord {
  id: string;
  title: string;
  legal: boolean;
  from: string;
  within: string;
  startedAt?: string;
  deadline?: string;
  state: string;
  metAt?: string;
  /** How late (ms) it was met, or is, once missed. */
  lateByMs?: number;
  /** Who recorded it as met (a person, or the step that met it). */
  recordedBy?: string;
}

/** The person who recorded a clock as met, from its timeline entry. */
function clockRecorder(timeline: readonly TimelineEntry[], title: string): string | undefined {
  const entry = [...timeline]
    .reverse()
    .find((e) => e.kind === 'clock' && e.summary.startsWith(`${title}:`) && /\bmet\b/.test(e.summary));
  return entry ? (entry.actor ?? (entry.step ? `step ${entry.step}` : 'the incident')) : undefined;
}

export function clocksOf(status: IncidentStatus): ClockRecord[] {
  return status.clocks.map((c) => ({
    id: c.id,
    title: c.title,
    legal: c.legal,
    from: c.from,
    within: c.within,
    state: c.state,
    ...(c.startedAt ? { startedAt: c.startedAt } : {}),
    ...(c.deadline ? { deadline: c.deadline } : {}),
    ...(c.metAt ? { metAt: c.metAt, recordedBy: clockRecorder(status.timeline, c.title) } : {}),
    ...(c.lateByMs !== undefined ? { lateByMs: c.lateByMs } : {}),
  }));
}

export interface ControlEvidence extends Control {
  framework: 'ISO/IEC 27001:2022' | 'GDPR' | 'NIS2';
  /** Why this incident concerns the control. */
  why: string;
  /** The pack's files that evidence it. */
  evidence: string[];
}

const ISO = 'ISO/IEC 27001:2022' as const;

/** NIS2 Art. 23 applies where the runbook keeps a NIS2 reporting clock. */
function hasNis2Clock(status: IncidentStatus): boolean {
  return status.clocks.some((c) => /nis2/i.test(c.id) || /nis2/i.test(c.title));
}

export function controlMapping(status: IncidentStatus): ControlEvidence[] {
  const management: Record<string, { why: string; evidence: string[] }> = {
    'A.5.24': { why: 'the runbook that planned the response', evidence: ['manifest.json', 'report.html'] },
    'A.5.25': {
      why: 'classification of the alerts and the decisions taken on them',
      evidence: ['alerts.json', 'decisions.json'],
    },
    'A.5.26': {
      why: 'response: notifications, escalation, remediation, clocks',
      evidence: ['timeline.jsonl', 'deliveries.json', 'remediation.json', 'clocks.json'],
    },
    'A.5.27': status.review
      ? {
          why: `learning: the post-incident review (${status.review.state})`,
          evidence: ['review.json', 'report.html'],
        }
      : { why: 'learning: the record of the incident for its review', evidence: ['report.html'] },
    'A.5.28': {
      why: 'evidence collected, hash-chained and sealed',
      evidence: ['manifest.json', 'timeline.jsonl'],
    },
  };
  const controls: ControlEvidence[] = INCIDENT_MANAGEMENT_CONTROLS.map((c) => ({
    ...c,
    framework: ISO,
    ...management[c.id]!,
  }));
  controls.push(
    {
      id: 'A.6.8',
      title: 'Information security event reporting',
      framework: ISO,
      why: 'who was told, when, on which channel, and who confirmed',
      evidence: ['deliveries.json', 'decisions.json'],
    },
    {
      id: 'A.8.15',
      title: 'Logging',
      framework: ISO,
      why: 'the incident timeline, tamper-evident',
      evidence: ['timeline.jsonl'],
    },
    {
      id: 'A.8.16',
      title: 'Monitoring activities',
      framework: ISO,
      why: 'the alerts that opened and joined the incident',
      evidence: ['alerts.json'],
    },
  );
  for (const c of CONTROLS_BY_PATTERN[status.facts.pattern] ?? []) {
    if (controls.some((known) => known.id === c.id)) continue;
    controls.push({
      ...c,
      framework: ISO,
      why: `put in question by a ${status.facts.pattern} lockout`,
      evidence: ['remediation.json', 'report.html'],
    });
  }
  if (status.facts.euPersonalData)
    controls.push({
      id: 'Art. 33(5)',
      title: 'Documentation of personal data breaches',
      framework: 'GDPR',
      why: 'EU personal data was involved',
      evidence: ['gdpr-art33-record.json'],
    });
  if (hasNis2Clock(status))
    controls.push({
      id: 'Art. 23',
      title: 'Reporting obligations',
      framework: 'NIS2',
      why: 'the runbook keeps a NIS2 reporting clock',
      evidence: ['clocks.json', 'deliveries.json'],
    });
  return controls;
}

/** GDPR Art. 33(5): "the facts relating to the personal data breach, its effects and the remedial action taken". */
export interface BreachRecord {
  incidentId: string;
  facts: { title: string; description?: string; pattern: string; region: string; detectedAt: string };
  awareness?: { at: string; by: string };
  effects: string[];
  remedialAction: { step: string; title?: string; state: string; at?: string; result?: string }[];
  notificationClocks: ClockRecord[];
  decisions: DecisionRecord[];
  resolution?: { by: string; at: string; reason: string };
}

export function breachRecord(source: EvidenceSource): BreachRecord | undefined {
  const { status } = source;
  if (!status.facts.euPersonalData) return undefined;
  const { facts } = status;
  return {
    incidentId: status.incidentId,
    facts: {
      title: facts.title,
      ...(facts.description ? { description: facts.description } : {}),
      pattern: facts.pattern,
      region: facts.region,
      detectedAt: status.detectedAt,
    },
    ...(status.awareness ? { awareness: status.awareness } : {}),
    effects: [
      `Salesforce integration locked out (${facts.pattern}), region ${facts.region}`,
      `${status.alertCount} alert(s) from ${[...new Set(status.alerts.map((a) => a.source))].join(', ') || 'no source'}`,
      ...status.steps
        .filter((s) => s.kind === 'journey' || /journey|fallback/i.test(s.id))
        .map((s) => `${s.title ?? s.id}: ${s.result?.summary ?? s.state}`),
    ],
    remedialAction: remediationOf(status),
    notificationClocks: clocksOf(status).filter((c) => c.legal),
    decisions: decisionsOf(source.actions),
    ...(status.resolution ? { resolution: status.resolution } : {}),
  };
}

export function remediationOf(status: IncidentStatus): BreachRecord['remedialAction'] {
  return status.steps
    .filter((s) => s.kind === 'activity' || s.kind === 'approval' || s.kind === 'checkpoint')
    .map((s) => ({
      step: s.id,
      ...(s.title ? { title: s.title } : {}),
      state: s.state,
      ...(s.endedAt ? { at: s.endedAt } : {}),
      ...(s.result ? { result: `${s.result.ok ? 'ok' : 'not ok'}: ${s.result.summary}` } : {}),
    }));
}

/** The time the pack covers: from detection to the last thing recorded (or the close). */
export function timeRange(source: EvidenceSource): { from: string; to: string } {
  const times = [
    source.status.detectedAt,
    ...source.status.timeline.map((e) => e.at),
    ...(source.closedAt ? [source.closedAt] : []),
  ].map((t) => Date.parse(t));
  return {
    from: new Date(Math.min(...times)).toISOString(),
    to: new Date(Math.max(...times)).toISOString(),
  };
}
