/**
 * A query to a workflow that is busy: the server holds one query at a time for a workflow with a
 * task in flight ("consistent query buffer is full"), and a worker busy with many may not take
 * one in time. Either way the workflow is fine and will answer: ask again, up to 10 s.
 */
const BUSY = /query buffer is full|query timed out before a worker could process it/;
const ATTEMPTS = 40;
const PAUSE_MS = 250;

export async function askUntilAnswered<T>(ask: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ask();
    } catch (err) {
      const cause = (err as { cause?: { details?: string } }).cause;
      if (attempt >= ATTEMPTS || !BUSY.test(cause?.details ?? '')) throw err;
      await new Promise((r) => setTimeout(r, PAUSE_MS));
    }
  }
}
