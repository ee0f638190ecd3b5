import { z } from 'zod';

/** An incident's phases, in the order it moves through them. */
export const PHASES = ['detected', 'acknowledged', 'contained', 'recovered', 'resolved', 'review'] as const;
export const Phase = z.enum(PHASES);
export type Phase = z.infer<typeof Phase>;

/** Whether `current` is `target` or later. */
export function phaseReached(current: Phase, target: Phase): boolean {
  return PHASES.indexOf(current) >= PHASES.indexOf(target);
}
