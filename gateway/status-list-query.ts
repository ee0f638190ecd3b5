/**
 * The query string of `GET /status/data`: which page of which open incidents. Validated here, at
 * the edge; a bad value is a 400 naming the field. An empty value means "any" (the page's
 * filter forms send `severity=` for "all severities").
 */
import { z } from 'zod';
import { PATTERNS, REGIONS, SEVERITIES } from '../domain/alert';
import { PHASES } from '../domain/phase';

/** The page's filter menus, in the order shown. */
export const FILTER_CHOICES = [
  { name: 'severity', label: 'Severity', values: SEVERITIES },
  { name: 'pattern', label: 'Pattern', values: PATTERNS },
  { name: 'region', label: 'Region', values: REGIONS },
  { name: 'phase', label: 'Phase', values: PHASES },
] as const;

export const PAGE_SIZE_DEFAULT = 25;
export const PAGE_SIZE_MAX = 100;

/** One of `values`, or empty / absent for "any". */
const anyOr = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .union([z.enum(values), z.literal('')])
    .optional()
    .transform((v) => v || undefined);

const wholeNumber = (max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,7}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .optional()
    .transform((n) => n ?? fallback);

export const StatusListQuery = z
  .object({
    page: wholeNumber(9_999_999, 1),
    pageSize: wholeNumber(PAGE_SIZE_MAX, PAGE_SIZE_DEFAULT),
    pattern: anyOr(PATTERNS),
    severity: anyOr(SEVERITIES),
    region: anyOr(REGIONS),
    phase: anyOr(PHASES),
    /** "waiting for me": `1` or `true`. */
    mine: z
      .enum(['1', 'true', '0', 'false', ''])
      .optional()
      .transform((v) => v === '1' || v === 'true'),
  })
  .strict();
export type StatusListQuery = z.output<typeof StatusListQuery>;

/** The query, or the problems naming each field (`pageSize: too big: expected number to be <=100`). */
export function parseStatusListQuery(
  query: unknown,
): { ok: true; query: StatusListQuery } | { ok: false; problems: string[] } {
  const parsed = StatusListQuery.safeParse(query ?? {});
  if (parsed.success) return { ok: true, query: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((i) =>
      i.code === 'unrecognized_keys'
        ? `unknown parameter(s) ${i.keys.join(', ')} (known: ${Object.keys(StatusListQuery.shape).join(', ')})`
        : `${i.path.join('.') || 'query'}: ${i.message}`,
    ),
  };
}
