/**
 * (4) Worker memory with many open incidents: a fresh incident worker process, RSS before and
 * after N incidents are open (each has sent its first notification and waits on its escalation
 * timer, cached by the worker). Baseline: a fresh worker with N open empty workflows.
 */
import type { Client } from '@temporalio/client';
import { statusQuery } from '../workflows/messages';
import type { BenchStack } from './stack';
import { pool, ratio } from './stats';
import { benchIdle, benchSignal, countQuery } from './workflows';

export interface MemorySide {
  rssIdleMiB: number;
  rssOpenMiB: number;
  heapOpenMiB: number;
  perWorkflowKiB: number;
  maxCachedWorkflows: number;
  /** Workflows in the worker's cache when it was measured (every open one, if none was evicted). */
  cachedAtMeasure: number;
}

export interface MemoryResult {
  open: number;
  incident: MemorySide;
  baseline: MemorySide;
  ratio: { rss: number; perWorkflow: number };
}

const MiB = 1024 * 1024;
const round = (x: number) => Math.round(x * 10) / 10;

function side(
  idle: { rss: number },
  open: { rss: number; heapUsed: number; cached: number },
  n: number,
  cache: number,
): MemorySide {
  return {
    rssIdleMiB: round(idle.rss / MiB),
    rssOpenMiB: round(open.rss / MiB),
    heapOpenMiB: round(open.heapUsed / MiB),
    perWorkflowKiB: round((open.rss - idle.rss) / 1024 / n),
    maxCachedWorkflows: cache,
    cachedAtMeasure: open.cached,
  };
}

/**
 * Every workflow answered a query: its first workflow task ran and it sits in the worker's cache.
 * A workflow busy with a task holds one query at a time ("consistent query buffer is full"):
 * that one is asked again.
 */
async function queryAll(client: Client, ids: string[], query: string): Promise<void> {
  await pool(ids.length, 16, async (i) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.workflow.getHandle(ids[i]!).query(query);
        return;
      } catch (err) {
        const cause = (err as { cause?: { details?: string } }).cause;
        if (attempt >= 40 || !/query buffer is full/.test(cause?.details ?? '')) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  });
}

export async function measureMemory(
  stack: BenchStack,
  options: { open: number; run: string },
  progress: (side: string, done: number) => void,
): Promise<MemoryResult> {
  const { open, run } = options;
  const step = Math.max(1, Math.floor(open / 10));

  // Both workers cache every open workflow (the SDK's default for this heap may be fewer: then
  // the oldest would be evicted and the figure would say less than an open incident costs).
  const maxCachedWorkflows = open + 100;
  const incidentQueue = `bench-${run}-memory`;
  const incidentWorker = await stack.worker('incident', incidentQueue, { maxCachedWorkflows });
  const incidentIdle = await incidentWorker.memory();
  const gateway = await stack.gateway(incidentQueue);
  const ids = Array.from({ length: open }, (_, i) => `lockout-bench-${run}-open-${i}`);
  let done = 0;
  try {
    await pool(open, 16, async (i) => {
      const response = await fetch(`${gateway.url}/alerts/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.token}` },
        body: JSON.stringify({
          title: `Open incident ${i}`,
          fingerprint: `bench-${run}-open-${i}`,
          region: 'eu',
        }),
      });
      if (response.status !== 202) throw new Error(`open incident ${i}: HTTP ${response.status}`);
      await stack.mail.firstMessage(ids[i]!);
      if (++done % step === 0) progress('incidents', done);
    });
  } finally {
    await gateway.close();
  }
  await queryAll(stack.client, ids, statusQuery.name);
  const incidentOpen = await incidentWorker.memory();
  await incidentWorker.stop();

  const baselineQueue = `bench-${run}-memory-baseline`;
  const baselineWorker = await stack.worker('baseline', baselineQueue, { maxCachedWorkflows });
  const baselineIdle = await baselineWorker.memory();
  const idleIds = Array.from({ length: open }, (_, i) => `bench-${run}-idle-open-${i}`);
  done = 0;
  await pool(open, 16, async (i) => {
    await stack.client.workflow.signalWithStart(benchIdle, {
      workflowId: idleIds[i]!,
      taskQueue: baselineQueue,
      signal: benchSignal,
      signalArgs: [{ i }],
    });
    if (++done % step === 0) progress('empty workflows', done);
  });
  await queryAll(stack.client, idleIds, countQuery.name);
  const baselineOpen = await baselineWorker.memory();
  await baselineWorker.stop();

  const incident = side(incidentIdle, incidentOpen, open, incidentWorker.ready.maxCachedWorkflows);
  const baseline = side(baselineIdle, baselineOpen, open, baselineWorker.ready.maxCachedWorkflows);
  return {
    open,
    incident,
    baseline,
    ratio: {
      rss: ratio(incident.rssOpenMiB, baseline.rssOpenMiB),
      perWorkflow: ratio(incident.perWorkflowKiB, baseline.perWorkflowKiB),
    },
  };
}
