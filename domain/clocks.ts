/**
 * Clock arithmetic: when a deadline starts, when it falls, whether it was met or missed and by
 * how much, and when the workflow should next wake up for it. Pure; times are ISO strings in,
 * milliseconds for arithmetic.
 */
import { durationMs } from './duration';
import type { ClockStatus } from './incident';
import type { Clock } from './runbook';

export type ClockEvent = Clock['from'];
export type ClockEvents = Partial<Record<ClockEvent, string>>;

export interface ClockFacts {
  events: ClockEvents;
  /** The clock's `when` condition holds. */
  applicable: boolean;
  metAt?: string;
  resolved: boolean;
  now: number;
}

type Computed = Pick<ClockStatus, 'state' | 'startedAt' | 'deadline' | 'metAt' | 'lateByMs'>;

export function computeClock(def: Clock, f: ClockFacts): Computed {
  const startedAt = f.events[def.from];
  if (!startedAt) return { state: f.applicable && !f.resolved ? 'waiting' : 'not-applicable' };
  const deadlineMs = Date.parse(startedAt) + durationMs(def.within);
  const deadline = new Date(deadlineMs).toISOString();
  if (f.metAt) {
    return {
      state: 'met',
      startedAt,
      deadline,
      metAt: f.metAt,
      lateByMs: Math.max(0, Date.parse(f.metAt) - deadlineMs),
    };
  }
  if (!f.applicable) return { state: 'not-applicable', startedAt, deadline };
  if (f.now >= deadlineMs) return { state: 'missed', startedAt, deadline, lateByMs: f.now - deadlineMs };
  // Internal deadlines end with the incident; legal ones (GDPR, NIS2) outlive it.
  if (f.resolved && !def.legal) return { state: 'not-applicable', startedAt, deadline };
  return { state: 'running', startedAt, deadline };
}

/** Warnings due now: each `warn` offset whose time has come and that was not given since. */
export function dueWarnings(def: Clock, status: ClockStatus, now: number): string[] {
  if (status.state !== 'running' || !status.deadline) return [];
  const deadlineMs = Date.parse(status.deadline);
  return def.warn.filter((w) => {
    const warnAt = deadlineMs - durationMs(w);
    return now >= warnAt && !status.warnedAt.some((t) => Date.parse(t) >= warnAt);
  });
}

/** The next moment this clock needs attention (a warning or the deadline), if any. */
export function nextWakeUp(def: Clock, status: ClockStatus, now: number): number | undefined {
  if (status.state !== 'running' || !status.deadline) return undefined;
  const deadlineMs = Date.parse(status.deadline);
  const times = [deadlineMs, ...def.warn.map((w) => deadlineMs - durationMs(w))].filter((t) => t > now);
  return times.length ? Math.min(...times) : undefined;
}
