/**
 * High-risk periods: quarterly control reviews, SOC 2 surveillance windows, change freezes,
 * planned infrastructure changes. Lockouts cluster in them, so the runbook prepares for each one
 * (workflows/readiness.ts): it checks the rotas ahead, runs the continuous checks more often while
 * the period lasts, and sends the vendor-assessment pack before it starts when asked to.
 *
 * Declared in config/periods.yaml or from the CLI (`lockout period start`). Pure: the schemas,
 * the readiness workflow's record and the reducers that change it.
 */
import { z } from 'zod';
import { durationMs, parseDuration } from './duration';

export const PERIOD_KINDS = [
  'control-review',
  'soc2-surveillance',
  'change-freeze',
  'infrastructure-change',
  'other',
] as const;

// Schemas are built on first use: workflows evaluate this module per run (temporal/bundle.ts).
const instant = () =>
  z.iso.datetime({
    offset: true,
    message: 'must be a date-time with offset, e.g. 2026-12-01T08:00:00+01:00',
  });

const duration = () =>
  z.string().superRefine((text, ctx) => {
    const parsed = parseDuration(text);
    if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
  });

export const PeriodId = z.lazy(() =>
  z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and "-" (at most 63)'),
);

/** Who counts as which responder when the rotas are checked: directory roles. */
export const CoverageRoles = z.lazy(() =>
  z
    .object({
      engineering: z.array(z.string().min(1)).min(1).default(['engineering', 'sre']),
      compliance: z.array(z.string().min(1)).min(1).default(['compliance']),
    })
    .strict(),
);
export type CoverageRoles = z.infer<typeof CoverageRoles>;

export const HighRiskPeriod = z.lazy(() =>
  z
    .object({
      id: PeriodId,
      kind: z.enum(PERIOD_KINDS).default('other'),
      reason: z.string().trim().min(1, 'say why this period is high-risk').max(500),
      start: instant(),
      until: instant(),
      /** How often the continuous checks run while the period lasts (the schedule's own cadence otherwise). */
      checkEvery: duration().default('15m'),
      /** How long before the start the rotas are checked: each entry is one check. */
      coverageChecks: z.array(duration()).max(5).default(['7d', '24h']),
      coverageRoles: CoverageRoles.default({
        engineering: ['engineering', 'sre'],
        compliance: ['compliance'],
      }),
      /** Who hears of a gap in a rota that names no owner (a directory target). */
      gapsTo: z.string().min(1).default('incident-commander'),
      /** Send the vendor-assessment pack to key accounts' procurement contacts before the start, after approval. */
      vendorPack: z
        .object({
          ahead: duration().default('7d'),
          /** Who is asked to approve it (a directory target), by email, when approval is due. */
          approvers: z.string().min(1).max(100).default('compliance'),
        })
        .strict()
        .optional(),
      /** Incidents opened during the period: no escalation level waits longer than this for an acknowledgement. */
      acknowledgeWithin: duration().optional(),
    })
    .strict()
    .superRefine((p, ctx) => {
      if (Date.parse(p.until) <= Date.parse(p.start))
        ctx.addIssue({ code: 'custom', path: ['until'], message: `must be after start (${p.start})` });
      if (!('error' in parseDuration(p.checkEvery)) && durationMs(p.checkEvery) < 60_000)
        ctx.addIssue({ code: 'custom', path: ['checkEvery'], message: 'must be at least 1m' });
    }),
);
export type HighRiskPeriod = z.infer<typeof HighRiskPeriod>;
export type HighRiskPeriodInput = z.input<typeof HighRiskPeriod>;

export const PeriodsFile = z.lazy(() =>
  z
    .object({ periods: z.array(HighRiskPeriod).default([]) })
    .strict()
    .superRefine((f, ctx) => {
      const seen = new Set<string>();
      f.periods.forEach((p, i) => {
        if (seen.has(p.id))
          ctx.addIssue({ code: 'custom', path: ['periods', i, 'id'], message: `"${p.id}" is listed twice` });
        seen.add(p.id);
      });
    }),
);
export type PeriodsFile = z.infer<typeof PeriodsFile>;

/** One stretch of the period without a responder of a kind, and whom it was told to. */
export interface CoverageGap {
  from: string;
  until: string;
  missing: ('engineering' | 'compliance')[];
  /** Directory ids of the rota owners (or `gapsTo`'s recipients) told of this gap. */
  owners: string[];
}

export interface CoverageCheck {
  /** The configured lead, e.g. `7d`. */
  ahead: string;
  at: string;
  gaps: CoverageGap[];
  /** Owners told, with the outcome of each message. */
  told: { owner: string; outcome: string; messageId?: string }[];
  problem?: string;
}

export type VendorPackState =
  'not-requested' | 'waiting' | 'awaiting-approval' | 'sending' | 'sent' | 'rejected' | 'expired' | 'failed';

export interface PeriodCheckRun {
  at: string;
  rows: number;
  alerts: number;
  problems: number;
}

/** One approver asked to approve the vendor pack. */
export interface ApprovalAsked {
  person: string;
  outcome: 'delivered' | 'outboxed' | 'no-email';
  messageId?: string;
}

export interface ReadinessState {
  period: HighRiskPeriod;
  declaredBy: string;
  phase: 'ahead' | 'during' | 'over' | 'stopped';
  coverage: CoverageCheck[];
  vendorPack: {
    state: VendorPackState;
    by?: string;
    at?: string;
    summary?: string;
    /** Who was asked to approve it, and how it went (periods declared before this: absent). */
    asked?: ApprovalAsked[];
  };
  checks: { runs: number; last?: PeriodCheckRun };
  stopped?: { by: string; reason: string; at: string };
  /** Refused signals and updates, newest last (at most 20). */
  refusals: { at: string; action: string; reason: string }[];
}

export function initialReadiness(period: HighRiskPeriod, declaredBy: string): ReadinessState {
  return {
    period,
    declaredBy,
    phase: 'ahead',
    coverage: [],
    vendorPack: { state: period.vendorPack ? 'waiting' : 'not-requested' },
    checks: { runs: 0 },
    refusals: [],
  };
}

/** When each coverage check and the vendor pack's approval request are due (ms since epoch). */
export function readinessMilestones(period: HighRiskPeriod): {
  coverage: { ahead: string; at: number }[];
  vendorPackAt?: number;
  start: number;
  until: number;
} {
  const start = Date.parse(period.start);
  return {
    coverage: period.coverageChecks
      .map((ahead) => ({ ahead, at: start - durationMs(ahead) }))
      .sort((a, b) => a.at - b.at),
    vendorPackAt: period.vendorPack ? start - durationMs(period.vendorPack.ahead) : undefined,
    start,
    until: Date.parse(period.until),
  };
}

// Responder input to a period (signals and updates of the readiness workflow).

const by = () =>
  z
    .string()
    .trim()
    .min(1, 'say who (by)')
    .max(100)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

/** Built per workflow: zod caches onto a schema while it parses (see temporal/bundle.ts). */
export function periodInputSchemas() {
  return {
    stopPeriod: z.object({ by: by(), reason: z.string().trim().min(1, 'say why').max(500) }).strict(),
    decideVendorPack: z.object({ by: by(), decision: z.enum(['approve', 'reject']) }).strict(),
  };
}
export type StopPeriodInput = { by: string; reason: string };
export type DecideVendorPackInput = { by: string; decision: 'approve' | 'reject' };

/** A refused input, named by field and reason. */
export function refusalReason(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
}

export function recordRefusal(
  state: ReadinessState,
  at: string,
  action: string,
  reason: string,
): ReadinessState {
  return { ...state, refusals: [...state.refusals, { at, action, reason }].slice(-20) };
}

/** A decision is taken only while the pack waits for one, and only once. */
export function decideVendorPack(
  state: ReadinessState,
  input: DecideVendorPackInput,
  at: string,
): { state: ReadinessState } | { refused: string } {
  if (state.vendorPack.state !== 'awaiting-approval')
    return { refused: `the vendor pack is ${state.vendorPack.state}, not awaiting approval` };
  return {
    state: {
      ...state,
      vendorPack: { state: input.decision === 'approve' ? 'sending' : 'rejected', by: input.by, at },
    },
  };
}

export function stopPeriod(
  state: ReadinessState,
  input: StopPeriodInput,
  at: string,
): { state: ReadinessState } | { refused: string } {
  if (state.phase === 'stopped' || state.phase === 'over')
    return { refused: `the period is already ${state.phase}` };
  return { state: { ...state, phase: 'stopped', stopped: { ...input, at } } };
}
