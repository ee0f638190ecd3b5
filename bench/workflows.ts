/**
 * Baselines for `npm run bench`: what bare Temporal costs on the same server, to compare the
 * incident workflow with. Bundled on their own; never registered by the product's worker.
 */
import { condition, defineQuery, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { benchActivities } from './activities';

export const benchSignal = defineSignal<[unknown]>('alert');
export const countQuery = defineQuery<number>('count');

/** Actions baseline: started by signalWithStart, finished at once. */
export async function benchNoop(): Promise<void> {
  setHandler(benchSignal, () => undefined);
}

const { benchNotify } = proxyActivities<typeof benchActivities>({ startToCloseTimeout: '10s' });

/** Latency baseline: started by signalWithStart, one activity completes, finished (issue 16's "bare"). */
export async function benchNotifyOnce(): Promise<void> {
  setHandler(benchSignal, () => undefined);
  await benchNotify();
}

/** Storm and memory baseline: an empty workflow that stays open and counts the signals it gets. */
export async function benchIdle(): Promise<void> {
  let count = 0;
  setHandler(benchSignal, () => void count++);
  setHandler(countQuery, () => count);
  await condition(() => false);
}
