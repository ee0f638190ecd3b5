/**
 * Group commit for a running incident's alerts. While this process's signal to a run is in
 * flight, further alerts for that run wait, then go together as one `alerts` signal: in a storm
 * the server records one signal per round trip instead of one per alert, and the incident wakes
 * once for them. Nothing waits when nothing is in flight, so a lone alert goes at once as the
 * plain `alert` signal. Every caller hears the outcome of the signal that carried its alert:
 * recorded, or that signal's error (then nothing of the batch was recorded, and the caller may
 * retry it alone). Each alert keeps the deadline it arrived with, and a batch is sent with the
 * earliest of its alerts': waiting in the queue never stretches the time a sender waits for an
 * answer (after which it would send the alert again).
 */
import type { Alert } from '../domain/alert';

/** A batch stays well under Temporal's payload limits (2 MB per payload; warnings from 512 KB). */
export const MAX_BATCH_ALERTS = 100;
export const MAX_BATCH_BYTES = 256 * 1024;

/**
 * Sends alerts to one run, giving up at `deadline` (epoch ms): one alert as `alert`, several as
 * `alerts` (client/open-incident.ts). The first caller's function sends the batches that queue
 * behind it: every caller for a run builds the same one.
 */
export type SendAlerts = (alerts: Alert[], deadline: number) => Promise<void>;

interface Waiting {
  alert: Alert;
  deadline: number;
  bytes: number;
  recorded: () => void;
  failed: (err: unknown) => void;
}

export class AlertBatches {
  /** Per run with a signal in flight: the alerts waiting behind it, in arrival order. */
  private readonly waiting = new Map<string, Waiting[]>();

  /** Resolves once a signal carrying `alert` was accepted by the server; rejects with its error. */
  async send(run: string, alert: Alert, deadline: number, sendAlerts: SendAlerts): Promise<void> {
    const queue = this.waiting.get(run);
    if (queue) {
      return new Promise<void>((recorded, failed) =>
        queue.push({ alert, deadline, bytes: JSON.stringify(alert).length, recorded, failed }),
      );
    }
    this.waiting.set(run, []);
    try {
      await sendAlerts([alert], deadline);
    } finally {
      void this.drain(run, sendAlerts);
    }
  }

  /** How many runs have a signal in flight (for tests: none once every send has settled). */
  get inFlight(): number {
    return this.waiting.size;
  }

  /** Sends what queued meanwhile, batch after batch, until nothing waits for this run. */
  private async drain(run: string, sendAlerts: SendAlerts): Promise<void> {
    for (;;) {
      const queue = this.waiting.get(run)!;
      if (queue.length === 0) {
        this.waiting.delete(run);
        return;
      }
      const batch = takeBatch(queue);
      try {
        await sendAlerts(
          batch.map((w) => w.alert),
          Math.min(...batch.map((w) => w.deadline)),
        );
        for (const w of batch) w.recorded();
      } catch (err) {
        for (const w of batch) w.failed(err);
      }
    }
  }
}

/** Takes from the front of the queue as many alerts as one signal may carry (at least one). */
function takeBatch(queue: Waiting[]): Waiting[] {
  let bytes = 0;
  let n = 0;
  while (
    n < queue.length &&
    n < MAX_BATCH_ALERTS &&
    (n === 0 || bytes + queue[n]!.bytes <= MAX_BATCH_BYTES)
  ) {
    bytes += queue[n]!.bytes;
    n++;
  }
  return queue.splice(0, n);
}
