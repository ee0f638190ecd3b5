/**
 * Conditions runbooks branch and wait on: incident facts, step results, acknowledgement, phase,
 * clocks and approvals. Evaluation is pure, so the workflow and the validator share it.
 */
import { z } from 'zod';
import type { ApprovalStatus, ClockStatus, StepRecord } from './incident';
import { Phase, phaseReached } from './phase';

export type FactValue = string | number | boolean | string[];
export const FactValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);

export type Condition =
  | { fact: string; equals?: FactValue; in?: FactValue[]; contains?: string; exists?: boolean }
  | { step: string; ok?: boolean; state?: StepRecord['state'] }
  | { acknowledged: boolean }
  | { phase: Phase }
  | { clock: string; state: ClockStatus['state'] }
  | { approval: string; state: ApprovalStatus['state'] }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

const FactCondition = z
  .object({
    fact: z.string().min(1),
    equals: FactValue.optional(),
    in: z.array(FactValue).optional(),
    contains: z.string().optional(),
    exists: z.boolean().optional(),
  })
  .strict()
  .refine(
    (c) => [c.equals, c.in, c.contains, c.exists].filter((x) => x !== undefined).length === 1,
    'a fact condition needs exactly one of equals, in, contains, exists',
  );

export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    FactCondition,
    z
      .object({
        step: z.string().min(1),
        ok: z.boolean().optional(),
        state: z.enum(['running', 'done', 'failed', 'skipped']).optional(),
      })
      .strict()
      .refine(
        (c) => (c.ok === undefined) !== (c.state === undefined),
        'a step condition needs one of ok, state',
      ),
    z.object({ acknowledged: z.boolean() }).strict(),
    z.object({ phase: Phase }).strict(),
    z
      .object({
        clock: z.string().min(1),
        state: z.enum(['waiting', 'running', 'met', 'missed', 'not-applicable']),
      })
      .strict(),
    z
      .object({
        approval: z.string().min(1),
        state: z.enum(['pending', 'approved', 'rejected', 'timed-out']),
      })
      .strict(),
    z.object({ all: z.array(Condition).min(1) }).strict(),
    z.object({ any: z.array(Condition).min(1) }).strict(),
    z.object({ not: Condition }).strict(),
  ]),
) as z.ZodType<Condition>;

export interface ConditionContext {
  fact(name: string): FactValue | undefined;
  step(id: string): StepRecord | undefined;
  acknowledged: boolean;
  phase: Phase;
  clock(id: string): ClockStatus | undefined;
  approval(step: string): ApprovalStatus | undefined;
}

const same = (a: FactValue | undefined, b: FactValue): boolean =>
  Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((x, i) => x === b[i]) : a === b;

export function evaluate(c: Condition, ctx: ConditionContext): boolean {
  if ('all' in c) return c.all.every((x) => evaluate(x, ctx));
  if ('any' in c) return c.any.some((x) => evaluate(x, ctx));
  if ('not' in c) return !evaluate(c.not, ctx);
  if ('fact' in c) {
    const value = ctx.fact(c.fact);
    if (c.exists !== undefined) return (value !== undefined && value !== '') === c.exists;
    if (c.equals !== undefined) return same(value, c.equals);
    if (c.in !== undefined) return c.in.some((v) => same(value, v));
    if (c.contains !== undefined)
      return Array.isArray(value) ? value.includes(c.contains) : String(value ?? '').includes(c.contains);
    return false;
  }
  if ('step' in c) {
    const record = ctx.step(c.step);
    if (!record) return false;
    if (c.ok !== undefined) return record.state === 'done' && (record.result?.ok ?? true) === c.ok;
    return record.state === c.state;
  }
  if ('acknowledged' in c) return ctx.acknowledged === c.acknowledged;
  if ('phase' in c) return phaseReached(ctx.phase, c.phase);
  if ('clock' in c) return ctx.clock(c.clock)?.state === c.state;
  return ctx.approval(c.approval)?.state === c.state;
}

/** Step ids, clock ids, approval steps and facts a condition refers to, for validation. */
export function references(c: Condition): {
  facts: string[];
  steps: string[];
  clocks: string[];
  approvals: string[];
} {
  const refs = {
    facts: [] as string[],
    steps: [] as string[],
    clocks: [] as string[],
    approvals: [] as string[],
  };
  const walk = (x: Condition): void => {
    if ('all' in x) x.all.forEach(walk);
    else if ('any' in x) x.any.forEach(walk);
    else if ('not' in x) walk(x.not);
    else if ('fact' in x) refs.facts.push(x.fact);
    else if ('step' in x) refs.steps.push(x.step);
    else if ('clock' in x) refs.clocks.push(x.clock);
    else if ('approval' in x) refs.approvals.push(x.approval);
  };
  walk(c);
  return refs;
}
