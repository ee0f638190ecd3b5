/** Evaluating a runbook condition against an incident: pure, so the workflow and the validator share it. */
import type { Condition, FactValue } from './conditions';
import type { ApprovalStatus, ClockStatus, StepRecord } from './incident';
import { phaseReached, type Phase } from './phase';

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
