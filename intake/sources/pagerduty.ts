/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`): tools that can page PagerDuty can send the same
 * event here. `dedup_key` groups events into one incident; `event_action` trigger / acknowledge /
 * resolve becomes firing / acknowledged / resolved.
 * https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
 */
import { z } from 'zod';
import type { AlertStatus } from '../../domain/alert';
import { boundedLabels, clip, hash, vendorFingerprint, type SourcePayload } from '../source-alert';
import { isoTime, parsePayload } from './parse';

const PagerDutyPayloadFields = z.looseObject({
  summary: z.string().trim().min(1, 'must not be empty').max(1024),
  source: z.string().trim().min(1, 'must not be empty').max(255),
  severity: z.enum(['critical', 'error', 'warning', 'info']),
  timestamp: z.string().optional(),
  component: z.string().optional(),
  group: z.string().optional(),
  class: z.string().optional(),
  custom_details: z.unknown().optional(),
});

export const PagerDutyEvent = z
  .looseObject({
    routing_key: z.string().min(1, 'must not be empty'),
    event_action: z.enum(['trigger', 'acknowledge', 'resolve']),
    dedup_key: z.string().min(1, 'must not be empty').max(255).optional(),
    payload: PagerDutyPayloadFields.optional(),
    client: z.string().optional(),
    client_url: z.string().optional(),
    links: z.array(z.looseObject({ href: z.string(), text: z.string().optional() })).optional(),
    images: z.array(z.looseObject({ src: z.string() })).optional(),
  })
  .superRefine((event, ctx) => {
    if (event.event_action === 'trigger' && !event.payload) {
      ctx.addIssue({ code: 'custom', path: ['payload'], message: 'required for a trigger event (object)' });
    }
    if (event.event_action !== 'trigger' && !event.dedup_key) {
      ctx.addIssue({
        code: 'custom',
        path: ['dedup_key'],
        message: `required with event_action "${event.event_action}": it names the alert to ${event.event_action}`,
      });
    }
  });
export type PagerDutyEvent = z.input<typeof PagerDutyEvent>;

const STATUS: Record<PagerDutyEvent['event_action'], AlertStatus> = {
  trigger: 'firing',
  acknowledge: 'acknowledged',
  resolve: 'resolved',
};

function detailEntries(details: unknown): Array<[string, unknown]> {
  if (details === undefined || details === null) return [];
  if (typeof details !== 'object' || Array.isArray(details)) return [['details', details]];
  return Object.entries(details).map(([k, v]) => [`details.${k}`, v]);
}

export function parsePagerDuty(body: unknown): SourcePayload {
  const event = parsePayload(PagerDutyEvent, body);
  const p = event.payload;
  // Without a dedup_key, PagerDuty makes one up; ours is derived from what the event is about,
  // so repeats group, and it is answered back so the sender can acknowledge or resolve later.
  const dedupKey =
    event.dedup_key ?? `h-${hash([p?.source, p?.component, p?.group, p?.class, p?.summary].join('\n'))}`;
  const labels = boundedLabels([
    ['severity', p?.severity],
    ['source', p?.source],
    ['component', p?.component],
    ['group', p?.group],
    ['class', p?.class],
    ['client', event.client],
    ['dedup_key', dedupKey],
    ...detailEntries(p?.custom_details),
  ]);
  return {
    alerts: [
      {
        kind: 'pagerduty',
        source: 'pagerduty',
        fingerprint: vendorFingerprint('pd', dedupKey),
        status: STATUS[event.event_action],
        // Events without a payload (acknowledge, resolve) share one title, so the incident shows
        // them as one alert whose status changes.
        title: p ? clip(p.summary, 300) : clip(`PagerDuty alert ${dedupKey}`, 300),
        description: p ? clip(`${p.summary}\nsource: ${p.source}`, 4000) : undefined,
        labels,
        startsAt: isoTime(p?.timestamp),
        event: body,
        stated: {},
      },
    ],
    // What PagerDuty itself answers, so senders that read it keep working.
    reply: { status: 'success', message: 'Event processed', dedup_key: dedupKey },
  };
}
