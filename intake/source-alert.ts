/**
 * What a source said, before classification: each vendor's payload mapped onto the same few
 * fields. Classification (intake/classify.ts) then decides pattern, severity, region and runbook.
 */
import { createHash } from 'node:crypto';
import { FINGERPRINT, type AlertStatus, type Pattern, type Region, type Severity } from '../domain/alert';

export const SOURCE_KINDS = ['alertmanager', 'pagerduty', 'datadog', 'generic'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export interface SourceAlert {
  /** Which endpoint / payload format it came through. */
  kind: SourceKind;
  /** Who raised it, as the incident shows it: `alertmanager`, or the generic format's `source`. */
  source: string;
  /** Groups alerts into one incident; prefixed per source so two vendors never collide. */
  fingerprint: string;
  status: AlertStatus;
  title: string;
  description?: string;
  /** Labels (Alertmanager), tags (Datadog), payload fields and custom details (PagerDuty). */
  labels: Record<string, string>;
  startsAt?: string;
  /**
   * The vendor's document as sent, for rules that test `event.<path>`. Used by classification
   * only: it never reaches the incident.
   */
  event?: unknown;
  /** Facts the sender stated outright (generic format only); classification never overrides them. */
  stated: { pattern?: Pattern; severity?: Severity; region?: Region; euPersonalData?: boolean };
}

/** A parsed payload: its alerts, plus what the source expects to hear back (PagerDuty's dedup_key). */
export interface SourcePayload {
  alerts: SourceAlert[];
  reply?: Record<string, unknown>;
}

/** Vendor payloads are never refused for being long: text is cut, with an ellipsis. */
export function clip(text: string, max: number): string {
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `${trimmed.slice(0, max - 1)}…`;
}

const MAX_LABELS = 64;

/** Label maps as the incident keeps them: string values, bounded in number and length. */
export function boundedLabels(entries: Iterable<[string, unknown]>): Record<string, string> {
  const labels: Record<string, string> = {};
  let count = 0;
  for (const [key, value] of entries) {
    if (count >= MAX_LABELS) break;
    if (value === undefined || value === null) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    labels[clip(key, 100)] = clip(text, 500);
    count++;
  }
  return labels;
}

export function hash(text: string, length = 24): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * A vendor's own key (Alertmanager fingerprint, PagerDuty dedup_key, Datadog alert cycle key) as
 * our fingerprint: kept readable when it fits the workflow-id alphabet, hashed when it does not.
 */
export function vendorFingerprint(prefix: string, key: string): string {
  const readable = `${prefix}-${key}`;
  return FINGERPRINT.test(readable) ? readable : `${prefix}-h-${hash(key)}`;
}

/** A payload that cannot be used, with one `field: reason` line per problem. */
export class AlertRejected extends Error {
  constructor(readonly problems: string[]) {
    super(`alert rejected:\n  ${problems.join('\n  ')}`);
    this.name = 'AlertRejected';
  }
}
