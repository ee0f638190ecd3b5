/**
 * Datadog's Webhooks integration. Datadog fills `$VARIABLES` into a JSON template; we accept its
 * default payload (title, body, date, id, …) and the extra variables docs/alerts.md recommends adding
 * (alert id and cycle key, transition, priority, tags). A variable Datadog left unfilled
 * (the literal `$ALERT_ID`) counts as absent.
 * https://docs.datadoghq.com/integrations/webhooks/
 */
import { z } from 'zod';
import type { AlertStatus } from '../../domain/alert';
import {
  AlertRejected,
  boundedLabels,
  clip,
  hash,
  vendorFingerprint,
  type SourcePayload,
} from '../source-alert';
import { isoTime, parsePayload } from './parse';

const UNFILLED = /^\$[A-Z_]+(\[[^\]]*\])?$/;

/** Datadog renders every variable as text, or as a number when the template leaves it unquoted. */
const Text = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .transform((v) => (v === '' || UNFILLED.test(v) ? undefined : v))
  .optional();

export const DatadogWebhook = z.looseObject({
  // The default payload.
  title: Text,
  body: Text,
  last_updated: Text,
  event_type: Text,
  date: Text,
  org: z.looseObject({ id: Text, name: Text }).optional(),
  id: Text,
  // Variables we recommend adding (docs/alerts.md).
  alert_id: Text,
  alert_cycle_key: Text,
  aggreg_key: Text,
  alert_title: Text,
  alert_transition: Text,
  alert_type: Text,
  alert_priority: Text,
  alert_status: Text,
  alert_scope: Text,
  alert_metric: Text,
  text_only_msg: Text,
  hostname: Text,
  link: Text,
  tags: Text,
});
export type DatadogWebhook = z.input<typeof DatadogWebhook>;

/** `[P1] [Triggered on {host:a}] Title` → `Title`, so a recovery groups with its trigger. */
const TITLE_PREFIX =
  /^(\[(P\d|Re-)?\s*(P\d|Triggered|Re-Triggered|Recovered|Warn|Re-Warn|No Data|Re-No Data|Renotify)[^\]]*\]\s*)+/i;

function statusOf(hook: z.infer<typeof DatadogWebhook>): AlertStatus {
  const transition = hook.alert_transition ?? hook.title?.match(TITLE_PREFIX)?.[0] ?? '';
  if (/recovered/i.test(transition) || hook.alert_type === 'success') return 'resolved';
  return 'firing';
}

/** `env:prod, team:crm, monitor` → { env: 'prod', team: 'crm', monitor: '' } */
function tagEntries(tags: string | undefined): Array<[string, string]> {
  if (!tags) return [];
  return tags
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((tag) => {
      const colon = tag.indexOf(':');
      return colon < 0 ? [tag, ''] : [tag.slice(0, colon), tag.slice(colon + 1)];
    });
}

export function parseDatadog(body: unknown): SourcePayload {
  const hook = parsePayload(DatadogWebhook, body);
  const rawTitle = hook.alert_title ?? hook.title;
  const title = rawTitle?.replace(TITLE_PREFIX, '').trim() || rawTitle;
  if (!title) throw new AlertRejected(['title: required (string): Datadog fills it from $EVENT_TITLE']);
  // One incident per alert cycle (trigger to recovery) when Datadog says which; else per monitor
  // and scope; else per title: never per event id, which differs for every notification.
  const key =
    hook.alert_cycle_key ??
    hook.aggreg_key ??
    (hook.alert_id
      ? `${hook.alert_id}${hook.alert_scope ? `-${hash(hook.alert_scope, 12)}` : ''}`
      : undefined) ??
    `h-${hash(`${hook.org?.id ?? ''}\n${title.toLowerCase()}`)}`;
  const labels = boundedLabels([
    ...tagEntries(hook.tags),
    ...tagEntries(hook.alert_scope),
    ['alert_id', hook.alert_id],
    ['alert_priority', hook.alert_priority],
    ['alert_type', hook.alert_type],
    ['alert_transition', hook.alert_transition],
    ['alert_metric', hook.alert_metric],
    ['event_type', hook.event_type],
    ['hostname', hook.hostname],
    ['org_name', hook.org?.name],
  ]);
  const description = hook.text_only_msg ?? hook.body;
  return {
    alerts: [
      {
        kind: 'datadog',
        source: 'datadog',
        fingerprint: vendorFingerprint('dd', key),
        status: statusOf(hook),
        title: clip(title, 300),
        description: description === undefined ? undefined : clip(description, 4000),
        labels,
        startsAt: isoTime(hook.date),
        event: body,
        stated: {},
      },
    ],
  };
}
