/**
 * The shape of an incident: what the workflow is started with, what its `status` query returns.
 * Pure types, shared by the workflow, the CLI and the gateway.
 */
import type { Alert, Pattern, Region, Severity } from './alert';
import type { Channel, Phase, Runbook } from './runbook';

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
}

export interface IncidentInput {
  incidentId: string;
  runbook: Runbook;
  facts: IncidentFacts;
  /** ISO time the first alert reached us: the start of the communication clocks. */
  detectedAt: string;
}

export type TimelineKind =
  'alert' | 'step' | 'notification' | 'escalation' | 'acknowledgement' | 'phase' | 'resolution' | 'refused';

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
  resolution?: Resolution;
  timeline: TimelineEntry[];
}

export interface AcknowledgeInput {
  by: string;
  note?: string;
}

export interface ResolveInput {
  by: string;
  reason: string;
}
