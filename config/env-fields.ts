/** Schemas for single environment variables, shared by config/env.ts and config/salesforce-env.ts. */
import { z } from 'zod';
import { parseDuration } from '../domain/duration';

/** Unset or blank → undefined; otherwise the value as given. */
export const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

/** The same, without surrounding whitespace (values pasted from a console). */
export const optionalTrimmedText = optionalText.transform((v) => v?.trim());

/** A duration like `24h` or `30m` (domain/duration.ts), in milliseconds. */
export const duration = z.string().transform((text, ctx) => {
  const parsed = parseDuration(text);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed.ms;
});

/** `10/15m`: at most 10 within any window of 15 minutes (a fixed window that opens at the first). */
export const attemptLimit = z.string().transform((text, ctx) => {
  const match = /^\s*(\d+)\s*\/\s*(\S+)\s*$/.exec(text);
  const window = match ? parseDuration(match[2]!) : undefined;
  if (!match || Number(match[1]) < 1 || !window || 'error' in window) {
    ctx.addIssue({
      code: 'custom',
      message: `must be attempts/duration with at least 1 attempt, e.g. 10/15m${window && 'error' in window ? ` (${window.error})` : ''}`,
    });
    return z.NEVER;
  }
  return { max: Number(match[1]), windowMs: window.ms };
});
