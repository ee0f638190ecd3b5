/**
 * Every activity scheduled with a heartbeat timeout heartbeats while it runs, so a worker that
 * dies (kill -9, a lost host) is noticed within that timeout instead of at start-to-close, and a
 * cancellation from the workflow reaches the activity. One place does it for all of them: an
 * activity interceptor. An activity that keeps progress in its heartbeat (procurement: who was
 * already mailed) hands it to `keepProgress`, and every heartbeat carries it.
 */
import { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

const progress = new WeakMap<Context, unknown>();

/** Aborts when the running activity is cancelled; undefined outside a worker. */
export function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/** A request's own timeout, and the activity's cancellation. */
export function timeoutOrCancel(ms: number): AbortSignal {
  const cancel = cancellationSignal();
  return cancel ? AbortSignal.any([AbortSignal.timeout(ms), cancel]) : AbortSignal.timeout(ms);
}

/** Records progress an attempt after this one should resume from, and heartbeats it now. */
export function keepProgress(details: unknown): void {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return; // called outside a worker (unit tests): there is nobody to tell
  }
  progress.set(context, details);
  context.heartbeat(details);
}

/** Heartbeats at a third of the timeout; ends the attempt at once when the workflow cancels it. */
export const heartbeatWhileRunning: ActivityInterceptorsFactory = (context) => ({
  inbound: {
    async execute(input, next) {
      const timeoutMs = context.info.heartbeatTimeoutMs;
      if (!timeoutMs) return next(input);
      if (context.info.heartbeatDetails !== undefined) progress.set(context, context.info.heartbeatDetails);
      const beat = () => context.heartbeat(progress.get(context));
      const timer = setInterval(beat, Math.max(500, Math.floor(timeoutMs / 3)));
      beat();
      try {
        // `cancelled` rejects with the CancelledFailure Temporal expects when the workflow cancels.
        return await Promise.race([next(input), context.cancelled]);
      } finally {
        clearInterval(timer);
      }
    },
  },
});
