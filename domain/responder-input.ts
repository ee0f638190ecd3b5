/**
 * What responders and the gateway may send to a running incident (signals and updates): one zod
 * schema per payload, the types derived from them. The checks run inside the workflow, so a bad
 * payload from the Web UI must come back as a refusal naming the field, never an exception.
 *
 * Workflows share this module (temporal/bundle.ts): the worker evaluates it once and freezes what
 * it exports, while zod writes to a schema as it parses. So no schema is exported: each stays
 * private to this module, reached only through its `check*` function, and the building blocks
 * other modules compose (`text`, `isoTime`, `actionId`, `channelFields`) are functions that make
 * new schemas.
 */
import { z } from 'zod';
import { ALERT_STATUSES, FINGERPRINT, PATTERNS, REGIONS, SEVERITIES, type Alert } from './alert';

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A trimmed, non-empty string of at most `max` characters. */
export const text = (max: number) =>
  z
    .string({ error: 'must be a non-empty string' })
    .trim()
    .min(1, 'must be a non-empty string')
    .max(max, `must be at most ${max} characters`);

/** An ISO 8601 time, normalised to UTC with milliseconds. */
export const isoTime = () =>
  z
    .string({ error: 'must be an ISO 8601 time like 2026-11-26T09:30:00Z' })
    .max(40, 'must be an ISO 8601 time like 2026-11-26T09:30:00Z')
    .refine(
      (v) => /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(v) && !Number.isNaN(Date.parse(v)),
      'must be an ISO 8601 time like 2026-11-26T09:30:00Z',
    )
    .transform((v) => new Date(Date.parse(v)).toISOString());

/**
 * Every responder action may carry an id (the CLI, links and the status page always send one):
 * the same id again, as an update retried or as the signal sent after it, is applied once.
 */
export const actionId = () => ({
  id: text(100)
    .regex(/^[A-Za-z0-9._:-]+$/, 'must be letters, digits, ".", "_", ":" or "-"')
    .optional(),
});

/** Set by the gateway when a person acted through a signed link or the signed-in status page. */
export const channelFields = () => ({
  /** How the person proved who they are, for the timeline: `signed link`, `status page`. */
  via: text(100).optional(),
  /** The signed link's nonce: the incident refuses a nonce it has seen used. */
  link: text(64).optional(),
});

const AcknowledgeInput = z.object({ by: text(100), note: text(1000).optional(), ...actionId() });
export type AcknowledgeInput = z.output<typeof AcknowledgeInput>;

const ResolveInput = z.object({ by: text(100), reason: text(2000), ...actionId() });
export type ResolveInput = z.output<typeof ResolveInput>;

const ReopenInput = z.object({ by: text(100), reason: text(2000), ...actionId() });
export type ReopenInput = z.output<typeof ReopenInput>;

const EscalateInput = z.object({ by: text(100), reason: text(1000).optional(), ...actionId() });
export type EscalateInput = z.output<typeof EscalateInput>;

const decisionShape = () => ({
  step: text(100),
  by: text(100),
  reason: text(1000).optional(),
  ...channelFields(),
  ...actionId(),
});
const ApproveInput = z.object(decisionShape());
const RejectInput = z.object({ ...decisionShape(), reason: text(1000) });
export type DecisionInput = z.output<typeof ApproveInput>;
export type ChannelFields = { via?: string; link?: string };

const AwarenessInput = z.object({ at: isoTime(), by: text(100), reason: text(1000), ...actionId() });
export type AwarenessInput = z.output<typeof AwarenessInput>;

const factValue = () =>
  z.union([z.string(), z.number(), z.boolean(), z.array(z.string())], {
    error: 'must be text, a number, true/false or a list of text',
  });
const FactInput = z.object({ name: text(60), value: factValue(), by: text(100), ...actionId() });
export type FactInput = z.output<typeof FactInput>;

const ClockMetInput = z.object({
  clock: text(100),
  by: text(100),
  at: isoTime().optional(),
  note: text(1000).optional(),
  ...actionId(),
});
export type ClockMetInput = z.output<typeof ClockMetInput>;

const ReceiptInput = z.object({
  step: text(100),
  recipient: text(200),
  via: text(100),
  /** Also acknowledge the incident as this recipient (stops escalation). */
  acknowledge: z.boolean({ error: 'must be true or false' }).optional(),
  /** The signed link's nonce, when a link was used: refused if already used. */
  link: text(64).optional(),
  ...actionId(),
});
export type ReceiptInput = z.output<typeof ReceiptInput>;

const PhaseInput = z.object({
  phase: z.enum(['contained', 'recovered'], { error: 'must be contained or recovered' }),
  by: text(100),
  note: text(1000).optional(),
  ...actionId(),
});
export type PhaseInput = z.output<typeof PhaseInput>;

/** A signed link the gateway refused (forged, expired, for another action): for the timeline. */
const LinkRefusalInput = z.object({
  /** approve, reject, ack, receipt. */
  kind: text(20),
  /** What the link claims; for a forged link these claims are not to be trusted. */
  step: text(200).optional(),
  person: text(200).optional(),
  reason: text(500),
  /** How many refusals this one stands for (the gateway sums repeats per minute). */
  count: z.number().int().min(1).max(1_000_000_000).optional(),
});
export type LinkRefusalInput = z.output<typeof LinkRefusalInput>;

// Copies: the shared domain modules are frozen in workflows, and zod writes to what it is given
// (a regex's lastIndex, for one).
const oneOf = <T extends string>(values: readonly [T, ...T[]]) =>
  z.enum([...values] as [T, ...T[]], { error: `must be one of ${values.join(', ')}` });
const fingerprintPattern = new RegExp(FINGERPRINT.source, FINGERPRINT.flags);

/**
 * The `alert` signal: the gateway sends what the intake parsed, but anyone with access to the
 * namespace can send anything; an alert that is not one is refused, never counted.
 */
const AlertInput = z.object({
  fingerprint: text(128).regex(fingerprintPattern, 'not a valid fingerprint'),
  source: text(100),
  status: oneOf(ALERT_STATUSES),
  title: text(300),
  pattern: oneOf(PATTERNS),
  severity: oneOf(SEVERITIES).optional(),
  region: oneOf(REGIONS),
  description: text(4000).optional(),
  euPersonalData: z.boolean({ error: 'must be true or false' }).optional(),
  labels: z
    .record(z.string(), z.string().max(500), { error: 'must be at most 100 text labels' })
    .refine((l) => Object.keys(l).length <= 100, 'must be at most 100 text labels')
    .default({}),
  startsAt: isoTime().optional(),
  receivedAt: isoTime(),
}) satisfies z.ZodType<Alert, unknown>;

/**
 * `reclassify`: move the incident to another pattern's runbook (or a named one). The runbook is
 * fetched by the worker afterwards: a runbook that does not exist is refused then, in the timeline.
 */
const ReclassifyInput = z.object({
  pattern: oneOf(PATTERNS),
  runbook: text(63)
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a runbook id: lower-case letters, digits and "-"')
    .optional(),
  by: text(100),
  reason: text(2000),
  ...actionId(),
});
export type ReclassifyInput = z.output<typeof ReclassifyInput>;

/** Parses a payload; the first problem, as `field: reason`, becomes the refusal. */
export function checker<S extends z.ZodType>(
  schema: S,
  example: string,
): (payload: unknown) => Checked<z.output<S>> {
  return (payload) => {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
      return { ok: false, reason: `payload: must be an object like ${example}` };
    const parsed = schema.safeParse(payload);
    if (parsed.success) return { ok: true, value: withoutUndefined(parsed.data as object) as z.output<S> };
    const issue = parsed.error.issues[0]!;
    return { ok: false, reason: `${String(issue.path[0] ?? 'payload')}: ${issue.message}` };
  };
}

const withoutUndefined = (o: object): object =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export const checkAcknowledge = checker(AcknowledgeInput, '{"by": "ana"}');
export const checkResolve = checker(ResolveInput, '{"by": "ana", "reason": "…"}');
export const checkReopen = checker(ReopenInput, '{"by": "ana", "reason": "sync failing again"}');
export const checkEscalate = checker(EscalateInput, '{"by": "ana"}');
export const checkApprove = checker(ApproveInput, '{"step": "approve-rotation", "by": "ben"}');
export const checkReject = checker(RejectInput, '{"step": "approve-rotation", "by": "ben", "reason": "…"}');
export const checkAwareness = checker(
  AwarenessInput,
  '{"at": "2026-11-26T09:30:00Z", "by": "dpo", "reason": "…"}',
);
export const checkFact = checker(FactInput, '{"name": "euPersonalData", "value": true, "by": "dpo"}');
export const checkClockMet = checker(
  ClockMetInput,
  '{"clock": "gdpr-art33", "by": "dpo", "note": "reported to the CNIL"}',
);
export const checkReceipt = checker(
  ReceiptInput,
  '{"step": "notify-ops", "recipient": "ana", "via": "email link", "acknowledge": true}',
);
export const checkReclassify = checker(
  ReclassifyInput,
  '{"pattern": "token-expiry", "by": "ana", "reason": "…"}',
);
export const checkPhase = checker(PhaseInput, '{"phase": "contained", "by": "ana"}');
export const checkLinkRefusal = checker(
  LinkRefusalInput,
  '{"kind": "approve", "step": "approve-rotation", "person": "ben", "reason": "expired"}',
);
export const checkAlert = checker(
  AlertInput,
  '{"fingerprint": "…", "source": "generic", "status": "firing", "title": "…", …}',
);

/**
 * Whether a time a responder gives is believable for this incident: not in the future (a minute
 * of clock skew allowed), and not long before the incident's first alert (`pastMarginMs`).
 */
export function timeOutsideWindow(
  field: string,
  at: string,
  window: { detectedAt: string; nowMs: number; pastMarginMs: number },
): string | undefined {
  const ms = Date.parse(at);
  if (ms > window.nowMs + 60_000) return `${field}: ${at} is in the future`;
  const earliest = Date.parse(window.detectedAt) - window.pastMarginMs;
  if (ms < earliest)
    return `${field}: ${at} is more than ${Math.round(window.pastMarginMs / 86_400_000)} day(s) before the incident's first alert (${window.detectedAt})`;
  return undefined;
}

/** The most alerts one `alerts` signal may carry (a gateway sends at most 100: client/alert-batches.ts). */
export const MAX_ALERTS_PER_SIGNAL = 500;

/**
 * The `alerts` signal: alerts for this incident that arrived together (client/alert-batches.ts).
 * Each element is checked as an `alert` signal would be; the caller counts the valid ones and
 * refuses the others one by one, so one bad element does not hide the rest.
 */
export function checkAlerts(payload: unknown): Checked<Array<ReturnType<typeof checkAlert>>> {
  if (!Array.isArray(payload) || payload.length === 0)
    return { ok: false, reason: 'payload: must be a non-empty list of alerts' };
  if (payload.length > MAX_ALERTS_PER_SIGNAL)
    return {
      ok: false,
      reason: `payload: at most ${MAX_ALERTS_PER_SIGNAL} alerts per signal (got ${payload.length})`,
    };
  return { ok: true, value: payload.map((alert) => checkAlert(alert)) };
}
