/**
 * Prometheus Alertmanager's webhook (`webhook_configs`, payload version 4). One webhook carries a
 * group of alerts; each alert has its own fingerprint and becomes (or joins) its own incident.
 * https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
 */
import { z } from 'zod';
import {
  boundedLabels,
  clip,
  hash,
  vendorFingerprint,
  type SourceAlert,
  type SourcePayload,
} from '../source-alert';
import { isoTime, parsePayload } from './parse';

const StringMap = z.record(z.string(), z.string());

const AlertmanagerAlert = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: StringMap,
  annotations: StringMap.default({}),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1).max(200).optional(),
});

/** Unknown fields are allowed: Alertmanager (and Grafana, which speaks this format) add some. */
export const AlertmanagerWebhook = z.looseObject({
  version: z.string().optional(),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  receiver: z.string().optional(),
  groupLabels: StringMap.optional(),
  commonLabels: StringMap.optional(),
  commonAnnotations: StringMap.optional(),
  externalURL: z.string().optional(),
  alerts: z.array(AlertmanagerAlert).min(1, 'must contain at least one alert').max(1000),
});
export type AlertmanagerWebhook = z.input<typeof AlertmanagerWebhook>;

function toSourceAlert(alert: z.infer<typeof AlertmanagerAlert>, event: unknown): SourceAlert {
  const { labels, annotations } = alert;
  const title = annotations.summary ?? annotations.title ?? labels.alertname ?? 'Alertmanager alert';
  const description = annotations.description ?? annotations.message;
  // Alertmanager's fingerprint identifies the label set; older versions did not send it.
  const key =
    alert.fingerprint ??
    `h-${hash(
      Object.entries(labels)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    )}`;
  return {
    kind: 'alertmanager',
    source: 'alertmanager',
    fingerprint: vendorFingerprint('am', key),
    status: alert.status,
    title: clip(title, 300) || 'Alertmanager alert',
    description: description === undefined ? undefined : clip(description, 4000),
    labels: boundedLabels(Object.entries(labels)),
    startsAt: isoTime(alert.startsAt),
    event,
    stated: {},
  };
}

export function parseAlertmanager(body: unknown): SourcePayload {
  const webhook = parsePayload(AlertmanagerWebhook, body);
  // Rules see the webhook as sent, with `alert` holding the alert at hand (not the whole group).
  const { alerts: raw, ...group } = body as { alerts: unknown[] };
  return { alerts: webhook.alerts.map((alert, i) => toSourceAlert(alert, { ...group, alert: raw[i] })) };
}
