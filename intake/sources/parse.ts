/** Schema checks shared by the source formats: zod problems become `field: reason` lines. */
import type { z } from 'zod';
import { describeIssues } from '../../domain/alert';
import { AlertRejected } from '../source-alert';

export function parsePayload<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw new AlertRejected(describeIssues(result.error));
  return result.data;
}

/** An ISO time for a source's timestamp, or undefined when it is missing or not a time. */
export function isoTime(value: string | number | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  let ms: number;
  if (typeof value === 'number' || /^\d+$/.test(value)) {
    const n = Number(value);
    ms = n < 1e12 ? n * 1000 : n; // epoch seconds or milliseconds
  } else {
    ms = Date.parse(value);
  }
  if (!Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  // Alertmanager's "zero time" (0001-01-01) and other absurd dates mean "not set".
  return date.getUTCFullYear() < 1971 || date.getUTCFullYear() > 9999 ? undefined : date.toISOString();
}
