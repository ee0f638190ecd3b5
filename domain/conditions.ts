/**
 * Conditions runbooks branch and wait on: incident facts, step results, acknowledgement, phase,
 * clocks and approvals. This is their schema (runbooks hold them); evaluation against an incident
 * is domain/evaluate-condition.ts.
 */
import { z } from 'zod';
import { Phase } from './phase';

/** The states a condition can test; the incident's records use the same unions. */
export const StepState = z.enum(['running', 'done', 'failed', 'skipped']);
export type StepState = z.infer<typeof StepState>;
export const ClockState = z.enum(['waiting', 'running', 'met', 'missed', 'not-applicable']);
export type ClockState = z.infer<typeof ClockState>;
/** `withdrawn`: the incident moved to another runbook while the approval was pending. */
export const ApprovalState = z.enum(['pending', 'approved', 'rejected', 'timed-out', 'withdrawn']);
export type ApprovalState = z.infer<typeof ApprovalState>;

export type FactValue = string | number | boolean | string[];
export const FactValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);

export type Condition =
  | { fact: string; equals?: FactValue; in?: FactValue[]; contains?: string; exists?: boolean }
  | { step: string; ok?: boolean; state?: StepState }
  | { acknowledged: boolean }
  | { phase: Phase }
  | { clock: string; state: ClockState }
  | { approval: string; state: ApprovalState }
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
        state: StepState.optional(),
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
        state: ClockState,
      })
      .strict(),
    z
      .object({
        approval: z.string().min(1),
        state: ApprovalState,
      })
      .strict(),
    z.object({ all: z.array(Condition).min(1) }).strict(),
    z.object({ any: z.array(Condition).min(1) }).strict(),
    z.object({ not: Condition }).strict(),
  ]),
) as z.ZodType<Condition>;

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
