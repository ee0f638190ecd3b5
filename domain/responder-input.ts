/**
 * Checks for what responders send to a running incident (signals, updates). They run inside the
 * workflow, so they are plain functions: a bad payload from the Web UI must be refused with a
 * reason, never crash the incident.
 */
import type { FactValue } from './conditions';
import type { Alert } from './alert';
import { ALERT_STATUSES, FINGERPRINT, PATTERNS, REGIONS, SEVERITIES } from './alert';
import type { AcknowledgeInput, ActionId, ResolveInput } from './incident';

export type { AcknowledgeInput, ActionId, ResolveInput };

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

type Fields = Record<string, unknown>;
const isObject = (x: unknown): x is Fields => typeof x === 'object' && x !== null && !Array.isArray(x);

class Refusal {
  constructor(readonly reason: string) {}
}

/** A field's own value: never one inherited from Object.prototype (`constructor`, `toString`). */
const own = (input: Fields, field: string): unknown =>
  Object.prototype.hasOwnProperty.call(input, field) ? input[field] : undefined;

function text(input: Fields, field: string, max: number): string {
  const value = own(input, field);
  if (typeof value !== 'string' || value.trim() === '')
    throw new Refusal(`${field}: must be a non-empty string`);
  if (value.length > max) throw new Refusal(`${field}: must be at most ${max} characters`);
  return value.trim();
}

function optionalText(input: Fields, field: string, max: number): string | undefined {
  return own(input, field) === undefined ? undefined : text(input, field, max);
}

/** The action id: letters, digits and `-_.:`, at most 100 (a UUID, a link nonce). */
function actionId(input: Fields): ActionId {
  const id = optionalText(input, 'id', 100);
  if (id !== undefined && !/^[A-Za-z0-9._:-]+$/.test(id))
    throw new Refusal('id: must be letters, digits, ".", "_", ":" or "-"');
  return id === undefined ? {} : { id };
}

function isoTime(input: Fields, field: string): string {
  const value = text(input, field, 40);
  const ms = Date.parse(value);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value) || Number.isNaN(ms)) {
    throw new Refusal(`${field}: must be an ISO 8601 time like 2026-11-26T09:30:00Z`);
  }
  return new Date(ms).toISOString();
}

/** Runs field checks; the first problem becomes the refusal reason. */
function check<T>(input: unknown, example: string, read: (fields: Fields) => T): Checked<T> {
  if (!isObject(input)) return { ok: false, reason: `payload: must be an object like ${example}` };
  try {
    return { ok: true, value: { ...read(input), ...actionId(input) } };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, reason: err.reason };
    throw err;
  }
}

const withoutUndefined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export const checkAcknowledge = (input: unknown): Checked<AcknowledgeInput> =>
  check(input, '{"by": "ana"}', (f) =>
    withoutUndefined({ by: text(f, 'by', 100), note: optionalText(f, 'note', 1000) }),
  );

export const checkResolve = (input: unknown): Checked<ResolveInput> =>
  check(input, '{"by": "ana", "reason": "…"}', (f) => ({
    by: text(f, 'by', 100),
    reason: text(f, 'reason', 2000),
  }));

export interface ReopenInput extends ActionId {
  by: string;
  reason: string;
}
export const checkReopen = (input: unknown): Checked<ReopenInput> =>
  check(input, '{"by": "ana", "reason": "sync failing again"}', (f) => ({
    by: text(f, 'by', 100),
    reason: text(f, 'reason', 2000),
  }));

export interface EscalateInput extends ActionId {
  by: string;
  reason?: string;
}
export const checkEscalate = (input: unknown): Checked<EscalateInput> =>
  check(input, '{"by": "ana"}', (f) =>
    withoutUndefined({ by: text(f, 'by', 100), reason: optionalText(f, 'reason', 1000) }),
  );

/** Set by the gateway when a person acted through a signed link or the signed-in status page. */
export interface ChannelFields {
  /** How the person proved who they are, for the timeline: `signed link`, `status page`. */
  via?: string;
  /** The signed link's nonce: the incident refuses a nonce it has seen used. */
  link?: string;
}
const channelFields = (f: Fields): ChannelFields => ({
  via: optionalText(f, 'via', 100),
  link: optionalText(f, 'link', 64),
});

export interface DecisionInput extends ChannelFields, ActionId {
  step: string;
  by: string;
  reason?: string;
}
export const checkApprove = (input: unknown): Checked<DecisionInput> =>
  check(input, '{"step": "approve-rotation", "by": "ben"}', (f) =>
    withoutUndefined({
      step: text(f, 'step', 100),
      by: text(f, 'by', 100),
      reason: optionalText(f, 'reason', 1000),
      ...channelFields(f),
    }),
  );
export const checkReject = (input: unknown): Checked<DecisionInput> =>
  check(input, '{"step": "approve-rotation", "by": "ben", "reason": "…"}', (f) =>
    withoutUndefined({
      step: text(f, 'step', 100),
      by: text(f, 'by', 100),
      reason: text(f, 'reason', 1000),
      ...channelFields(f),
    }),
  );

export interface AwarenessInput extends ActionId {
  at: string;
  by: string;
  reason: string;
}
export const checkAwareness = (input: unknown): Checked<AwarenessInput> =>
  check(input, '{"at": "2026-11-26T09:30:00Z", "by": "dpo", "reason": "…"}', (f) => ({
    at: isoTime(f, 'at'),
    by: text(f, 'by', 100),
    reason: text(f, 'reason', 1000),
  }));

export interface FactInput extends ActionId {
  name: string;
  value: FactValue;
  by: string;
}
export const checkFact = (input: unknown): Checked<FactInput> =>
  check(input, '{"name": "euPersonalData", "value": true, "by": "dpo"}', (f) => {
    const value = own(f, 'value');
    const valid =
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (Array.isArray(value) && value.every((v) => typeof v === 'string'));
    if (!valid) throw new Refusal('value: must be text, a number, true/false or a list of text');
    return { name: text(f, 'name', 60), value: value as FactValue, by: text(f, 'by', 100) };
  });

export interface ClockMetInput extends ActionId {
  clock: string;
  by: string;
  at?: string;
  note?: string;
}
export const checkClockMet = (input: unknown): Checked<ClockMetInput> =>
  check(input, '{"clock": "gdpr-art33", "by": "dpo", "note": "reported to the CNIL"}', (f) =>
    withoutUndefined({
      clock: text(f, 'clock', 100),
      by: text(f, 'by', 100),
      at: own(f, 'at') === undefined ? undefined : isoTime(f, 'at'),
      note: optionalText(f, 'note', 1000),
    }),
  );

/** A signed link the gateway refused (forged, expired, for another action): for the timeline. */
export interface LinkRefusalInput {
  /** approve, reject, ack, receipt. */
  kind: string;
  /** What the link claims; for a forged link these claims are not to be trusted. */
  step?: string;
  person?: string;
  reason: string;
}
export const checkLinkRefusal = (input: unknown): Checked<LinkRefusalInput> =>
  check(input, '{"kind": "approve", "step": "approve-rotation", "person": "ben", "reason": "expired"}', (f) =>
    withoutUndefined({
      kind: text(f, 'kind', 20),
      step: optionalText(f, 'step', 200),
      person: optionalText(f, 'person', 200),
      reason: text(f, 'reason', 500),
    }),
  );

export interface ReceiptInput extends ActionId {
  step: string;
  recipient: string;
  via: string;
  /** Also acknowledge the incident as this recipient (stops escalation). */
  acknowledge?: boolean;
  /** The signed link's nonce, when a link was used: refused if already used. */
  link?: string;
}
export const checkReceipt = (input: unknown): Checked<ReceiptInput> =>
  check(
    input,
    '{"step": "notify-ops", "recipient": "ana", "via": "email link", "acknowledge": true}',
    (f) => {
      const acknowledge = own(f, 'acknowledge');
      if (acknowledge !== undefined && typeof acknowledge !== 'boolean')
        throw new Refusal('acknowledge: must be true or false');
      return withoutUndefined({
        step: text(f, 'step', 100),
        recipient: text(f, 'recipient', 200),
        via: text(f, 'via', 100),
        acknowledge: acknowledge as boolean | undefined,
        link: optionalText(f, 'link', 64),
      });
    },
  );

export interface PhaseInput extends ActionId {
  phase: 'contained' | 'recovered';
  by: string;
  note?: string;
}
export const checkPhase = (input: unknown): Checked<PhaseInput> =>
  check(input, '{"phase": "contained", "by": "ana"}', (f) => {
    const phase = own(f, 'phase');
    if (phase !== 'contained' && phase !== 'recovered')
      throw new Refusal('phase: must be contained or recovered');
    return withoutUndefined({ phase, by: text(f, 'by', 100), note: optionalText(f, 'note', 1000) });
  });

/**
 * The `alert` signal: the gateway sends what the intake parsed, but anyone with access to the
 * namespace can send anything; an alert that is not one is refused, never counted.
 */
export const checkAlert = (input: unknown): Checked<Alert> =>
  check(input, '{"fingerprint": "…", "source": "generic", "status": "firing", "title": "…", …}', (f) => {
    const oneOf = <T extends string>(
      field: string,
      values: readonly T[],
      optional = false,
    ): T | undefined => {
      const value = own(f, field);
      if (value === undefined && optional) return undefined;
      if (typeof value !== 'string' || !(values as readonly string[]).includes(value))
        throw new Refusal(`${field}: must be one of ${values.join(', ')}`);
      return value as T;
    };
    const fingerprint = text(f, 'fingerprint', 128);
    if (!FINGERPRINT.test(fingerprint)) throw new Refusal('fingerprint: not a valid fingerprint');
    const labels = own(f, 'labels') ?? {};
    if (
      !isObject(labels) ||
      Object.keys(labels).length > 100 ||
      Object.values(labels).some((v) => typeof v !== 'string' || v.length > 500)
    )
      throw new Refusal('labels: must be at most 100 text labels');
    const euPersonalData = own(f, 'euPersonalData');
    if (euPersonalData !== undefined && typeof euPersonalData !== 'boolean')
      throw new Refusal('euPersonalData: must be true or false');
    return withoutUndefined({
      fingerprint,
      source: text(f, 'source', 100),
      status: oneOf('status', ALERT_STATUSES)!,
      title: text(f, 'title', 300),
      pattern: oneOf('pattern', PATTERNS)!,
      severity: oneOf('severity', SEVERITIES, true),
      region: oneOf('region', REGIONS)!,
      description: optionalText(f, 'description', 4000),
      euPersonalData: euPersonalData as boolean | undefined,
      labels: { ...(labels as Record<string, string>) },
      startsAt: own(f, 'startsAt') === undefined ? undefined : isoTime(f, 'startsAt'),
      receivedAt: isoTime(f, 'receivedAt'),
    });
  });

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
