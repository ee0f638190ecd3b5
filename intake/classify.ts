/**
 * Classification rules: which lockout pattern, severity, region and runbook an alert means, from
 * any field of the alert or of the vendor's own document (rule-match.ts). Rules are tried in order, like Alertmanager routes: the first rule
 * that matches fills the fields it sets and ends the walk, unless it says `continue: true`; a
 * field is never overwritten once set, and what the sender stated outright (generic format) wins.
 * Pure: intake/classification-file.ts loads the YAML, the gateway and `lockout classify` apply it.
 */
import { z } from 'zod';
import { Pattern, Region, Severity, type Alert } from '../domain/alert';
import { FieldCondition, findAnywhere, MatcherSchema, testField } from './rule-match';
import { SOURCE_KINDS, type SourceAlert } from './source-alert';

export type { Matcher } from './rule-match';

const RunbookId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a runbook id: lower-case letters, digits and "-"');

/** What a rule tests; every condition given must hold. */
export interface Match {
  source?: (typeof SOURCE_KINDS)[number] | (typeof SOURCE_KINDS)[number][];
  labels?: Record<string, z.output<typeof MatcherSchema>>;
  text?: z.output<typeof MatcherSchema>;
  anywhere?: z.output<typeof MatcherSchema>;
  fields?: FieldCondition[];
  any?: Match[];
  all?: Match[];
}

const Match: z.ZodType<Match, unknown> = z.lazy(() =>
  z
    .object({
      source: z.union([z.enum(SOURCE_KINDS), z.array(z.enum(SOURCE_KINDS)).min(1)]).optional(),
      labels: z.record(z.string().min(1), MatcherSchema).optional(),
      /** Tried against the title and the description. */
      text: MatcherSchema.optional(),
      /** Tried against every text of the alert and of the vendor's document. */
      anywhere: MatcherSchema.optional(),
      /** Each must hold (rule-match.ts). */
      fields: z.array(FieldCondition).min(1).optional(),
      /** At least one must hold. */
      any: z.array(Match).min(1).optional(),
      /** Each must hold. */
      all: z.array(Match).min(1).optional(),
    })
    .strict(),
);

const SET_FIELDS = ['pattern', 'severity', 'region', 'euPersonalData', 'runbook'] as const;
type SetField = (typeof SET_FIELDS)[number];

const Rule = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, 'must be 1-80 letters, digits, ".", "_" or "-"'),
    description: z.string().optional(),
    match: Match.default({}),
    set: z
      .object({
        pattern: Pattern.optional(),
        severity: Severity.optional(),
        region: Region.optional(),
        euPersonalData: z.boolean().optional(),
        /** Runs this runbook instead of the one the pattern selects. */
        runbook: RunbookId.optional(),
      })
      .strict()
      .refine((set) => SET_FIELDS.some((f) => set[f] !== undefined), {
        message: `must set at least one of ${SET_FIELDS.join(', ')}`,
      }),
    continue: z.boolean().default(false),
  })
  .strict();
export type Rule = z.infer<typeof Rule>;

export const ClassificationRules = z
  .object({ rules: z.array(Rule).default([]) })
  .strict()
  .superRefine((doc, ctx) => {
    const seen = new Set<string>();
    doc.rules.forEach((rule, i) => {
      if (seen.has(rule.name))
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `"${rule.name}" is used twice` });
      seen.add(rule.name);
    });
  });
export type ClassificationRules = z.infer<typeof ClassificationRules>;

export const NO_RULES: ClassificationRules = { rules: [] };

/** Where a classified field's value came from, for `lockout classify` and the logs. */
export type Provenance = 'alert' | 'default' | `rule ${string}`;

export interface Classified {
  alert: Alert;
  /** Runbook id a rule asked for; else the runbook is chosen by pattern. */
  runbookId?: string;
  /** Names of the rules that matched, in order. */
  matched: string[];
  /** For each rule that matched, the fields that decided it. */
  evidence: Record<string, string[]>;
  provenance: Partial<Record<SetField, Provenance>>;
}

/**
 * Where a match held: the fields that decided (`title`, `labels.severity`,
 * `event.payload.custom_details.error`, …), or undefined when it does not hold.
 */
export function matchEvidence(match: Match, alert: SourceAlert): string[] | undefined {
  const evidence: string[] = [];
  const { source, labels, text, anywhere, fields, any, all } = match;
  if (source) {
    if (!(Array.isArray(source) ? source : [source]).includes(alert.kind)) return undefined;
    evidence.push('kind');
  }
  for (const [key, matcher] of Object.entries(labels ?? {})) {
    const value = alert.labels[key];
    if (value === undefined || !matcher.test(value)) return undefined;
    evidence.push(`labels.${key}`);
  }
  if (text) {
    if (text.test(alert.title)) evidence.push('title');
    else if (alert.description !== undefined && text.test(alert.description)) evidence.push('description');
    else return undefined;
  }
  if (anywhere) {
    const where = findAnywhere(anywhere, alert);
    if (where === undefined) return undefined;
    evidence.push(where);
  }
  for (const condition of fields ?? []) {
    const where = testField(condition, alert);
    if (where === undefined) return undefined;
    evidence.push(where);
  }
  if (any) {
    const first = any.map((m) => matchEvidence(m, alert)).find((e) => e !== undefined);
    if (!first) return undefined;
    evidence.push(...first);
  }
  for (const m of all ?? []) {
    const each = matchEvidence(m, alert);
    if (!each) return undefined;
    evidence.push(...each);
  }
  return evidence;
}

export function ruleMatches(rule: Rule, alert: SourceAlert): boolean {
  return matchEvidence(rule.match, alert) !== undefined;
}

export function classify(
  rules: ClassificationRules,
  alert: SourceAlert,
  receivedAt = new Date(),
): Classified {
  const chosen: { -readonly [F in SetField]?: Rule['set'][F] } = {};
  const provenance: Classified['provenance'] = {};
  for (const [field, value] of Object.entries(alert.stated)) {
    if (value === undefined) continue;
    Object.assign(chosen, { [field]: value });
    provenance[field as SetField] = 'alert';
  }
  const matched: string[] = [];
  const evidence: Record<string, string[]> = {};
  for (const rule of rules.rules) {
    const where = matchEvidence(rule.match, alert);
    if (!where) continue;
    matched.push(rule.name);
    evidence[rule.name] = where;
    for (const field of SET_FIELDS) {
      if (rule.set[field] === undefined || chosen[field] !== undefined) continue;
      Object.assign(chosen, { [field]: rule.set[field] });
      provenance[field] = `rule ${rule.name}`;
    }
    if (!rule.continue) break;
  }
  provenance.pattern ??= 'default';
  provenance.region ??= 'default';
  return {
    alert: {
      fingerprint: alert.fingerprint,
      source: alert.source,
      status: alert.status,
      title: alert.title,
      pattern: chosen.pattern ?? 'unclassified',
      severity: chosen.severity,
      region: chosen.region ?? 'global',
      description: alert.description,
      euPersonalData: chosen.euPersonalData,
      labels: alert.labels,
      startsAt: alert.startsAt,
      receivedAt: receivedAt.toISOString(),
    },
    runbookId: chosen.runbook,
    matched,
    evidence,
    provenance,
  };
}
