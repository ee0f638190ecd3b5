/**
 * Checks for what responders send to a running incident (signals, updates). They run inside the
 * workflow, so they are plain functions: a bad payload from the Web UI must be refused with a
 * reason, never crash the incident.
 */
import type { AcknowledgeInput, ResolveInput } from './incident';

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

function text(input: Record<string, unknown>, field: string, max: number): string | { reason: string } {
  const value = input[field];
  if (typeof value !== 'string' || value.trim() === '')
    return { reason: `${field}: must be a non-empty string` };
  if (value.length > max) return { reason: `${field}: must be at most ${max} characters` };
  return value.trim();
}

export function checkAcknowledge(input: unknown): Checked<AcknowledgeInput> {
  if (!isObject(input)) return { ok: false, reason: 'payload: must be an object like {"by": "ana"}' };
  const by = text(input, 'by', 100);
  if (typeof by !== 'string') return { ok: false, ...by };
  if (input.note !== undefined) {
    const note = text(input, 'note', 1000);
    if (typeof note !== 'string') return { ok: false, ...note };
    return { ok: true, value: { by, note } };
  }
  return { ok: true, value: { by } };
}

export function checkResolve(input: unknown): Checked<ResolveInput> {
  if (!isObject(input))
    return { ok: false, reason: 'payload: must be an object like {"by": "ana", "reason": "…"}' };
  const by = text(input, 'by', 100);
  if (typeof by !== 'string') return { ok: false, ...by };
  const reason = text(input, 'reason', 2000);
  if (typeof reason !== 'string') return { ok: false, ...reason };
  return { ok: true, value: { by, reason } };
}
