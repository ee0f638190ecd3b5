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
