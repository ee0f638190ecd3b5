/**
 * Classification rules: which lockout pattern, severity, region and runbook an alert means, from
 * its labels, tags and text. Rules are tried in order, like Alertmanager routes: the first rule
 * that matches fills the fields it sets and ends the walk, unless it says `continue: true`; a
 * field is never overwritten once set, and what the sender stated outright (generic format) wins.
 * Pure: intake/classification-file.ts loads the YAML, the gateway and `lockout classify` apply it.
 */
import { z } from 'zod';
import { Pattern, Region, Severity, type Alert } from '../domain/alert';
import { SOURCE_KINDS, type SourceAlert } from './source-alert';

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

const MatcherSchema = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((value, ctx): Matcher => {
    const parts = (Array.isArray(value) ? value : [value]).map((p) => compileOne(p, ctx));
    const matchers = parts.filter((m): m is Matcher => m !== undefined);
    return {
      text: matchers.map((m) => m.text).join(' or '),
      test: (v) => matchers.some((m) => m.test(v)),
    };
  });

const RunbookId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a runbook id: lower-case letters, digits and "-"');

const SET_FIELDS = ['pattern', 'severity', 'region', 'euPersonalData', 'runbook'] as const;
type SetField = (typeof SET_FIELDS)[number];

const Rule = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, 'must be 1-80 letters, digits, ".", "_" or "-"'),
    description: z.string().optional(),
    match: z
      .object({
        source: z.union([z.enum(SOURCE_KINDS), z.array(z.enum(SOURCE_KINDS)).min(1)]).optional(),
        labels: z.record(z.string().min(1), MatcherSchema).optional(),
        /** Tried against the title and the description. */
        text: MatcherSchema.optional(),
      })
      .strict()
      .default({}),
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
  provenance: Partial<Record<SetField, Provenance>>;
}

export function ruleMatches(rule: Rule, alert: SourceAlert): boolean {
  const { source, labels, text } = rule.match;
  if (source && !(Array.isArray(source) ? source : [source]).includes(alert.kind)) return false;
  for (const [key, matcher] of Object.entries(labels ?? {})) {
    const value = alert.labels[key];
    if (value === undefined || !matcher.test(value)) return false;
  }
  if (text && !text.test(alert.title) && !(alert.description !== undefined && text.test(alert.description)))
    return false;
  return true;
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
  for (const rule of rules.rules) {
    if (!ruleMatches(rule, alert)) continue;
    matched.push(rule.name);
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
    provenance,
  };
}
