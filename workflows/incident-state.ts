/**
 * Everything a running incident knows, and the one place that changes it: each change lands in
 * the timeline and, where the Web UI filters on it, in the search attributes.
 */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { Alert } from '../domain/alert';
import type {
  Acknowledgement,
  ApprovalStatus,
  ClockStatus,
  StepRecord,
  Delivery,
  DistinctAlert,
  IncidentInput,
  IncidentStatus,
  Resolution,
  TimelineEntry,
  TimelineKind,
} from '../domain/incident';
import type { Phase } from '../domain/runbook';
import * as sa from '../domain/search-attributes';

/** Keeps state bounded during alert storms: further distinct alerts are counted, not listed. */
const MAX_DISTINCT_ALERTS = 100;

export class IncidentState {
  phase: Phase = 'detected';
  escalationLevel = 0;
  alertCount = 0;
  readonly alerts: DistinctAlert[] = [];
  readonly acknowledgements: Acknowledgement[] = [];
  readonly deliveries: Delivery[] = [];
  readonly timeline: TimelineEntry[] = [];
  readonly steps: StepRecord[] = [];
  readonly clocks: ClockStatus[] = [];
  readonly approvals: ApprovalStatus[] = [];
  awareness?: { at: string; by: string };
  resolution?: Resolution;

  constructor(readonly input: IncidentInput) {}

  get id(): string {
    return this.input.incidentId;
  }
  get runbook() {
    return this.input.runbook;
  }
  get acknowledged(): boolean {
    return this.acknowledgements.length > 0;
  }
  get resolved(): boolean {
    return this.resolution !== undefined;
  }

  now(): string {
    return new Date().toISOString();
  }

  record(kind: TimelineKind, summary: string, extra: { actor?: string; step?: string } = {}): void {
    this.timeline.push({ at: this.now(), kind, summary, ...extra });
  }

  /** Sets the search attributes the Web UI and `lockout list` filter on. */
  publish(): void {
    const { facts } = this.input;
    upsertSearchAttributes([
      { key: sa.PATTERN, value: facts.pattern },
      { key: sa.SEVERITY, value: facts.severity },
      { key: sa.REGION, value: facts.region },
      { key: sa.PHASE, value: this.phase },
      { key: sa.ESCALATION_LEVEL, value: this.escalationLevel },
      { key: sa.EU_PERSONAL_DATA, value: facts.euPersonalData },
    ]);
    setCurrentDetails(this.details());
  }

  /** Markdown shown under "Current details" in the Web UI. */
  details(): string {
    const lastAck = this.acknowledgements.at(-1);
    return [
      `**${this.phase}** · ${this.input.facts.severity} · ${this.input.facts.pattern} · region ${this.input.facts.region}`,
      `Escalation level ${this.escalationLevel} of ${this.runbook.escalation.levels.length}` +
        (lastAck ? ` · acknowledged by ${lastAck.by}` : ' · not acknowledged'),
      `Alerts: ${this.alertCount} · runbook ${this.runbook.id} v${this.runbook.version}`,
    ].join('\n\n');
  }

  setPhase(phase: Phase, actor?: string): void {
    if (this.phase === phase) return;
    this.phase = phase;
    this.record('phase', `phase → ${phase}`, { actor });
    this.publish();
  }

  setEscalationLevel(level: number): void {
    this.escalationLevel = level;
    this.publish();
  }

  addAlert(alert: Alert): void {
    this.alertCount++;
    const at = this.now();
    const existing = this.alerts.find((a) => a.source === alert.source && a.title === alert.title);
    if (existing) {
      existing.count++;
      existing.lastAt = at;
      if (existing.status !== alert.status) {
        existing.status = alert.status;
        this.record('alert', `${alert.source} reports "${alert.title}" ${alert.status}`);
      }
      return;
    }
    if (this.alerts.length < MAX_DISTINCT_ALERTS) {
      this.alerts.push({
        source: alert.source,
        title: alert.title,
        status: alert.status,
        count: 1,
        firstAt: at,
        lastAt: at,
      });
    }
    this.record('alert', `alert from ${alert.source}: "${alert.title}" (${alert.status})`);
  }

  status(): IncidentStatus {
    const { runbook } = this;
    return {
      incidentId: this.id,
      runbook: { id: runbook.id, version: runbook.version, title: runbook.title },
      facts: this.input.facts,
      phase: this.phase,
      detectedAt: this.input.detectedAt,
      escalationLevel: this.escalationLevel,
      escalationLevels: runbook.escalation.levels.length,
      alertCount: this.alertCount,
      alerts: this.alerts,
      acknowledgements: this.acknowledgements,
      deliveries: this.deliveries,
      resolution: this.resolution,
      steps: this.steps,
      clocks: this.clocks,
      approvals: this.approvals,
      awareness: this.awareness,
      timeline: this.timeline,
    };
  }
}
