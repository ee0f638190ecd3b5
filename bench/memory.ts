/**
 * (4) Worker memory with many open incidents: a fresh incident worker process, RSS before, with
 * half and with all N incidents open (each has sent its first notification and waits on its
 * escalation timer, cached by the worker). Baseline: a fresh worker with N open empty workflows.
 * Per workflow from the fresh worker (the figure kept since issue 16) and from half to all open
 * (the marginal cost, without what a worker grows by once in use).
 */
import type { Client } from '@temporalio/client';
import { statusQuery } from '../workflows/messages';
import type { BenchStack, WorkerHandle } from './stack';
import { pool, ratio } from './stats';
import { benchIdle, benchSignal, countQuery } from './workflows';
import { askUntilAnswered } from './busy-query';

export interface MemorySide {
  rssIdleMiB: number;
  rssOpenMiB: number;
  heapOpenMiB: number;
  /** (RSS open − RSS of the fresh worker) / N: includes what the worker grows by once in use. */
  perWorkflowKiB: number;
  /** RSS with the first half open. */
  rssHalfMiB: number;
  /** (RSS open − RSS with half open) / the second half: what one more open workflow costs. */
  marginalKiB: number;
  maxCachedWorkflows: number;
  /** Workflows in the worker's cache when it was measured (every open one, if none was evicted). */
  cachedAtMeasure: number;
}

export interface MemoryResult {
  open: number;
  /** Both workers' malloc (`jemalloc` or `system`): runs with different ones are not comparable. */
  allocator: string;
  incident: MemorySide;
  baseline: MemorySide;
  ratio: { rss: number; perWorkflow: number; marginal: number };
}

const MiB = 1024 * 1024;
const round = (x: number) => Math.round(x * 10) / 10;

type Measured = Awaited<ReturnType<WorkerHandle['memory']>>;

function side(idle: Measured, half: Measured, open: Measured, n: number, cache: number): MemorySide {
  const halfN = Math.ceil(n / 2);
  return {
    rssIdleMiB: round(idle.rss / MiB),
    rssOpenMiB: round(open.rss / MiB),
    heapOpenMiB: round(open.heapUsed / MiB),
    perWorkflowKiB: round((open.rss - idle.rss) / 1024 / n),
    rssHalfMiB: round(half.rss / MiB),
    marginalKiB: n > halfN ? round((open.rss - half.rss) / 1024 / (n - halfN)) : 0,
    maxCachedWorkflows: cache,
    cachedAtMeasure: open.cached,
  };
}

/** Every workflow answered a query: its first workflow task ran and it sits in the worker's cache. */
async function queryAll(client: Client, ids: string[], query: string): Promise<void> {
  await pool(ids.length, 16, async (i) => {
    await askUntilAnswered(() => client.workflow.getHandle(ids[i]!).query(query));
  });
}

export async function measureMemory(
  stack: BenchStack,
  options: { open: number; run: string },
  progress: (side: string, done: number) => void,
): Promise<{ memory: MemoryResult; openIncidentsWorker: WorkerHandle }> {
  const { open, run } = options;
  const step = Math.max(1, Math.floor(open / 10));
  const half = Math.ceil(open / 2);

  // Both workers cache every open workflow (the SDK's default for this heap may be fewer: then
  // the oldest would be evicted and the figure would say less than an open incident costs).
  const maxCachedWorkflows = open + 100;
  // Bare Temporal first: the incident worker then stays up, its incidents cached, for the status
  // page step, and would otherwise be busy with their timers while the baseline is measured.
  const baselineQueue = `bench-${run}-memory-baseline`;
  const baselineWorker = await stack.worker('baseline', baselineQueue, {
    maxCachedWorkflows,
    memoryProbe: true,
  });
  const baselineIdle = await baselineWorker.memory();
  const idleIds = Array.from({ length: open }, (_, i) => `bench-${run}-idle-open-${i}`);
  let done = 0;
  const openEmpty = (from: number, to: number) =>
    pool(to - from, 16, async (k) => {
      const i = from + k;
      await stack.client.workflow.signalWithStart(benchIdle, {
        workflowId: idleIds[i]!,
        taskQueue: baselineQueue,
        signal: benchSignal,
        signalArgs: [{ i }],
      });
      if (++done % step === 0) progress('empty workflows', done);
    });
  await openEmpty(0, half);
  await queryAll(stack.client, idleIds.slice(0, half), countQuery.name);
  const baselineHalf = await baselineWorker.memory();
  await openEmpty(half, open);
  await queryAll(stack.client, idleIds, countQuery.name);
  const baselineOpen = await baselineWorker.memory();
  await baselineWorker.stop();

  const incidentQueue = `bench-${run}-memory`;
  const incidentWorker = await stack.worker('incident', incidentQueue, {
    maxCachedWorkflows,
    memoryProbe: true,
  });
  const incidentIdle = await incidentWorker.memory();
  const gateway = await stack.gateway(incidentQueue);
  const ids = Array.from({ length: open }, (_, i) => `lockout-bench-${run}-open-${i}`);
  done = 0;
  const openIncidents = (from: number, to: number) =>
    pool(to - from, 16, async (k) => {
      const i = from + k;
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
  let incidentHalf: Measured;
  try {
    await openIncidents(0, half);
    await queryAll(stack.client, ids.slice(0, half), statusQuery.name);
    incidentHalf = await incidentWorker.memory();
    await openIncidents(half, open);
  } finally {
    await gateway.close();
  }
  await queryAll(stack.client, ids, statusQuery.name);
  const incidentOpen = await incidentWorker.memory();

  const incident = side(
    incidentIdle,
    incidentHalf,
    incidentOpen,
    open,
    incidentWorker.ready.maxCachedWorkflows,
  );
  const baseline = side(
    baselineIdle,
    baselineHalf,
    baselineOpen,
    open,
    baselineWorker.ready.maxCachedWorkflows,
  );
  const memory = {
    open,
    allocator: stack.allocator.name,
    incident,
    baseline,
    ratio: {
      rss: ratio(incident.rssOpenMiB, baseline.rssOpenMiB),
      perWorkflow: ratio(incident.perWorkflowKiB, baseline.perWorkflowKiB),
      marginal: ratio(incident.marginalKiB, baseline.marginalKiB),
    },
  };
  // Left running, its incidents cached, for the status page step; the caller stops it.
  return { memory, openIncidentsWorker: incidentWorker };
}
