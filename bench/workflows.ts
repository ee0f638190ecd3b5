/**
 * Baselines for `npm run bench`: what bare Temporal costs on the same server, to compare the
 * incident workflow with. Bundled on their own; never registered by the product's worker.
 */
import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';

export const benchSignal = defineSignal<[unknown]>('alert');
export const countQuery = defineQuery<number>('count');

/** Latency and actions baseline: started by signalWithStart, finished at once. */
export async function benchNoop(): Promise<void> {
  setHandler(benchSignal, () => undefined);
}

/** Storm and memory baseline: an empty workflow that stays open and counts the signals it gets. */
export async function benchIdle(): Promise<void> {
  let count = 0;
  setHandler(benchSignal, () => void count++);
  setHandler(countQuery, () => count);
  await condition(() => false);
}
