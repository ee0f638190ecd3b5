import { CancellationScope, condition, sleep } from '@temporalio/workflow';
import { durationMs } from '../domain/duration';
import type { IncidentState } from './incident-state';

/** Continues as new if the history is long (and then never returns); undefined inside parallel branches. */
export type HandOver = (() => Promise<void>) | undefined;

/**
 * Waits until `holds()` or until `limit` after `since`, and says whether it holds. At the top
 * level of a runbook a long history is handed to a fresh run meanwhile; the step resumes there.
 */
export async function waitWithHandOver(
  incident: IncidentState,
  holds: () => boolean,
  limit: string | undefined,
  since: number,
  handOver: HandOver,
  summary: string,
): Promise<boolean> {
  const long = () => handOver !== undefined && incident.historyIsLong();
  for (;;) {
    const wake = () => holds() || long();
    if (limit === undefined) await condition(wake);
    else {
      const left = since + durationMs(limit) - Date.now();
      if (left <= 0 || !(await condition(wake, left, { summary }))) return holds();
    }
    if (holds()) return true;
    await handOver!();
  }
}

/** Background watchers whose timers stay when they wake early; incidents started before cancel them. */
const KEEP_TIMERS_PATCH = 'watch-timers-kept';

/** One timer per instant per incident: a watcher that wakes early and waits again reuses it. */
const timersOf = new WeakMap<IncidentState, Map<number, { fired: boolean }>>();

function timerAt(incident: IncidentState, at: number, summary: string): { fired: boolean } {
  let timers = timersOf.get(incident);
  if (!timers) timersOf.set(incident, (timers = new Map()));
  let timer = timers.get(at);
  if (!timer) {
    const made = { fired: false };
    timers.set(at, made);
    // Never cancelled, even when the incident ends: it fires into nothing.
    void CancellationScope.nonCancellable(() => sleep(Math.max(1, at - Date.now()), { summary })).then(() => {
      made.fired = true;
      timers.delete(at);
    });
    timer = made;
  }
  return timer;
}

/**
 * For background watchers (escalation, clocks): waits until `wake()` or the instant `at` (epoch
 * ms), and says whether `wake()` holds. Its timer is not cancelled when `wake()` comes first. A
 * cancel is a command, and a watcher's cancel in the same task as an update that moves the main
 * flow was ordered differently when a worker handled the update cold than when the history
 * replayed later (the chaos run, docs/known-limits.md): the incident could no longer replay.
 */
export function watchUntil(
  incident: IncidentState,
  wake: () => boolean,
  at: number,
  summary: string,
): Promise<boolean> {
  // Not async, and the very promise of `condition`: the same microtask steps as before the patch,
  // since the order of commands from concurrent watchers depends on them.
  if (!incident.patched(KEEP_TIMERS_PATCH)) return condition(wake, Math.max(1, at - Date.now()), { summary });
  return waitKeepingTimer(incident, wake, at, summary);
}

async function waitKeepingTimer(
  incident: IncidentState,
  wake: () => boolean,
  at: number,
  summary: string,
): Promise<boolean> {
  const timer = timerAt(incident, at, summary);
  await condition(() => wake() || timer.fired);
  return wake();
}
