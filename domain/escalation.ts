/**
 * Where the escalation chain goes next. Level 0 means only the first responders were told; level
 * k means level k of the runbook's chain was told `round` times. Each notification of a level is
 * preceded by that level's `after` wait.
 */
import { durationMs } from './duration';
import type { EscalationLevel } from './runbook';

export interface EscalationProgress {
  level: number;
  round: number;
}

export interface NextEscalation extends EscalationProgress {
  waitMs: number;
}

export function nextEscalation(
  levels: readonly EscalationLevel[],
  at: EscalationProgress,
): NextEscalation | undefined {
  const current = levels[at.level - 1];
  if (current && at.round < (current.repeat ?? 1)) {
    return { level: at.level, round: at.round + 1, waitMs: durationMs(current.after) };
  }
  const next = levels[at.level];
  if (!next) return undefined;
  return { level: at.level + 1, round: 1, waitMs: durationMs(next.after) };
}
