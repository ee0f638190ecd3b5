/** Every alert format the gateway speaks, by endpoint name: `POST /alerts/<kind>`. */
import type { SourceKind, SourcePayload } from '../source-alert';
import { parseAlertmanager } from './alertmanager';
import { parseDatadog } from './datadog';
import { parseGeneric } from './generic';
import { parsePagerDuty } from './pagerduty';

export interface AlertFormat {
  title: string;
  /** Throws AlertRejected naming every bad field. */
  parse(body: unknown): SourcePayload;
}

export const ALERT_FORMATS: Record<SourceKind, AlertFormat> = {
  alertmanager: { title: 'Prometheus Alertmanager webhook', parse: parseAlertmanager },
  pagerduty: { title: 'PagerDuty Events API v2 event', parse: parsePagerDuty },
  datadog: { title: 'Datadog webhook', parse: parseDatadog },
  generic: { title: 'generic JSON alert', parse: parseGeneric },
};

/** Which format a JSON document looks like, for `lockout classify` without `--source`. */
export function detectFormat(body: unknown): SourceKind {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'generic';
  const has = (key: string) => key in body;
  if (has('alerts') && (has('groupKey') || has('version') || has('receiver'))) return 'alertmanager';
  if (has('event_action') && (has('routing_key') || has('payload'))) return 'pagerduty';
  if (['alert_transition', 'alert_id', 'alert_cycle_key', 'aggreg_key', 'event_type', 'org'].some(has))
    return 'datadog';
  return 'generic';
}
