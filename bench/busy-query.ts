/**
 * A query to a workflow that is busy: the server holds one query at a time for a workflow with a
 * task in flight (client/status.ts, `isBusyIncident`), and a worker busy with many may not take
 * one in time. Either way the workflow is fine and will answer: ask again, up to 10 s. (The
 * product gives up sooner on the second: no worker answering is what its 503 is for.)
 */
import { isBusyIncident } from '../client/status';

const NO_WORKER_IN_TIME = /query timed out before a worker could process it/;
const ATTEMPTS = 40;
const PAUSE_MS = 250;

export async function askUntilAnswered<T>(ask: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ask();
    } catch (err) {
      const cause = (err as { cause?: { details?: string } }).cause;
      const busy = isBusyIncident(err) || NO_WORKER_IN_TIME.test(cause?.details ?? '');
      if (attempt >= ATTEMPTS || !busy) throw err;
      await new Promise((r) => setTimeout(r, PAUSE_MS));
    }
  }
}
