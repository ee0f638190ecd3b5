/**
 * What a classification rule can test, and where it found what decided. A condition names a
 * field by path, the way PagerDuty Event Orchestration addresses `event.custom_details.…`:
 *
 * - `title`, `description`, `source`, `kind`, `status`: the normalised alert;
 * - `labels.<name>`: its labels (Alertmanager labels, Datadog tags, PagerDuty payload fields and
 *   `details.<key>`);
 * - `event.<path>`: the vendor's own document, as it was sent (for Alertmanager, the webhook with
 *   `alert` holding this alert: `event.commonAnnotations.description`,
 *   `event.alert.annotations.runbook_url`).
 *
 * A dotted key (`labels.details.region`) is found as one key before it is split. Arrays match when
 * any element does. Operators: equals, contains (ignoring case), matches (/regex/ or a list), in,
 * exists.
 */
import { z } from 'zod';
import type { SourceAlert } from './source-alert';

/** `critical` (exact), `/^eu-/i` (regular expression), or a list of either (any of them). */
export interface Matcher {
  text: string;
  test(value: string): boolean;
}

const REGEX = /^\/(.+)\/([imsu]*)$/s;

function compileOne(pattern: string, ctx: z.RefinementCtx): Matcher | undefined {
  const regex = REGEX.exec(pattern);
  if (!regex) return { text: JSON.stringify(pattern), test: (v) => v === pattern };
  try {
    const compiled = new RegExp(regex[1]!, regex[2]);
    return { text: pattern, test: (v) => compiled.test(v) };
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(err as Error).message}` });
    return undefined;
  }
}

export const MatcherSchema = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((value, ctx): Matcher => {
    const parts = (Array.isArray(value) ? value : [value]).map((p) => compileOne(p, ctx));
    const matchers = parts.filter((m): m is Matcher => m !== undefined);
    return {
      text: matchers.map((m) => m.text).join(' or '),
      test: (v) => matchers.some((m) => m.test(v)),
    };
  });

const Path = z
  .string()
  .regex(
    /^(title|description|source|kind|status|labels\.[^\s]+|event(\.[^\s]+)?)$/,
    'must start with title, description, source, kind, status, labels.<name> or event.<path>',
  );

const Scalars = z.array(z.union([z.string(), z.number(), z.boolean()])).min(1);

/** One test of one field: exactly one operator. */
export const FieldCondition = z
  .object({
    path: Path,
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
    contains: z.string().min(1).optional(),
    matches: MatcherSchema.optional(),
    in: Scalars.optional(),
    exists: z.boolean().optional(),
  })
  .strict()
  .refine(
    (c) => ['equals', 'contains', 'matches', 'in', 'exists'].filter((k) => k in c).length === 1,
    'give exactly one of equals, contains, matches, in, exists',
  );
export type FieldCondition = z.infer<typeof FieldCondition>;

/** The document paths are resolved against. */
function documentOf(alert: SourceAlert): Record<string, unknown> {
  return {
    title: alert.title,
    description: alert.description,
    source: alert.source,
    kind: alert.kind,
    status: alert.status,
    labels: alert.labels,
    event: alert.event,
  };
}

/** The value at a dotted path; a key with dots in it is tried whole before it is split. */
export function valueAt(doc: unknown, path: string): unknown {
  if (path === '') return doc;
  if (doc === null || typeof doc !== 'object') return undefined;
  const record = doc as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(record, path)) return record[path];
  const parts = path.split('.');
  for (let take = parts.length - 1; take >= 1; take--) {
    const key = parts.slice(0, take).join('.');
    if (Object.prototype.hasOwnProperty.call(record, key))
      return valueAt(record[key], parts.slice(take).join('.'));
  }
  return undefined;
}

const asText = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

function holds(condition: FieldCondition, value: unknown): boolean {
  if (condition.exists !== undefined) return (value !== undefined && value !== null) === condition.exists;
  if (Array.isArray(value)) return value.some((v) => holds(condition, v));
  const text = asText(value);
  if (text === undefined) return false;
  if (condition.equals !== undefined) return text === String(condition.equals);
  if (condition.contains !== undefined) return text.toLowerCase().includes(condition.contains.toLowerCase());
  if (condition.matches) return condition.matches.test(text);
  if (condition.in) return condition.in.some((v) => String(v) === text);
  return false;
}

/** The path it held on, or undefined. */
export function testField(condition: FieldCondition, alert: SourceAlert): string | undefined {
  return holds(condition, valueAt(documentOf(alert), condition.path)) ? condition.path : undefined;
}

const MAX_LEAVES = 2_000;
const MAX_LEAF = 4_000;

/** Every text of the alert with its path: title, description, labels, then the vendor's document. */
export function textLeaves(alert: SourceAlert): Array<[string, string]> {
  const leaves: Array<[string, string]> = [];
  const walk = (value: unknown, path: string, depth: number): void => {
    if (leaves.length >= MAX_LEAVES || depth > 32) return;
    const text = asText(value);
    if (text !== undefined) leaves.push([path, text.slice(0, MAX_LEAF)]);
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}.${i}`, depth + 1));
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k, depth + 1);
  };
  walk(documentOf(alert), '', 0);
  return leaves;
}

/** The first path whose text the matcher accepts, or undefined. */
export function findAnywhere(matcher: Matcher, alert: SourceAlert): string | undefined {
  return textLeaves(alert).find(([, text]) => matcher.test(text))?.[0];
}
