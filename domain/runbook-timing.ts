/**
 * Whether a message a clock waits for can be held up past its deadline by the steps before it.
 * A notify step is sequenced after every step before it in its list, and after every step before
 * the parallel that holds its list; each of those may take up to its timeout (an activity's
 * `timeout`, an approval's per level, a wait's `for` or `timeout`; a wait without one, forever).
 * Pure: `lockout validate` reports what this finds as warnings.
 */
import { durationMs } from './duration';
import type { Runbook, Step } from './runbook';

export interface TimingWarning {
  /** Path of the clock-bound step in the runbook document. */
  path: (string | number)[];
  reason: string;
}

/** How long a step may hold up the steps after it, at worst (ms); Infinity when unbounded. */
export function worstCaseMs(step: Step): number {
  switch (step.kind) {
    case 'activity':
      return durationMs(step.timeout);
    case 'approval':
      return durationMs(step.timeout) * (step.onTimeout === 'escalate' ? step.approvers.length : 1);
    case 'wait':
      if (step.for) return durationMs(step.for);
      return step.timeout ? durationMs(step.timeout) : Infinity;
    case 'parallel':
      return Math.max(...step.branches.map((b) => b.reduce((sum, s) => sum + worstCaseMs(s), 0)));
    default:
      return 0; // notify, branch, checkpoint: nothing outside the incident to wait for
  }
}

interface Before {
  /** Steps that run before this one, outermost list first. */
  steps: Step[];
  path: (string | number)[];
}

function findStep(
  list: readonly Step[],
  id: string,
  path: (string | number)[],
  outer: Step[],
): Before | undefined {
  for (const [index, step] of list.entries()) {
    const here = [...path, index];
    const before = [...outer, ...list.slice(0, index)];
    if (step.id === id) return { steps: before, path: here };
    if (step.kind === 'parallel')
      for (const [bi, branch] of step.branches.entries()) {
        const found = findStep(branch, id, [...here, 'branches', bi], before);
        if (found) return found;
      }
  }
  return undefined;
}

const describe = (ms: number): string =>
  ms === Infinity
    ? 'no limit'
    : ms >= 3_600_000
      ? `${+(ms / 3_600_000).toFixed(1)}h`
      : `${Math.round(ms / 60_000)}m`;

export function clockTimingWarnings(runbook: Runbook): TimingWarning[] {
  const warnings: TimingWarning[] = [];
  for (const clock of runbook.clocks) {
    if (clock.metBy === 'manual') continue;
    const found = findStep(runbook.steps, clock.metBy, ['steps'], []);
    if (!found) continue;
    const holding = found.steps.filter((s) => worstCaseMs(s) > 0);
    const worst = holding.reduce((sum, s) => sum + worstCaseMs(s), 0);
    if (worst < durationMs(clock.within)) continue;
    warnings.push({
      path: found.path,
      reason:
        `"${clock.metBy}" meets clock ${clock.id} (within ${clock.within}) but runs only after ` +
        `${holding.map((s) => `${s.id} (${describe(worstCaseMs(s))})`).join(', ')}: up to ${describe(worst)}, ` +
        'enough to miss it; run it in a parallel branch beside them',
    });
  }
  return warnings;
}
