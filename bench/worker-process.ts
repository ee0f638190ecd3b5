/**
 * A worker in its own process, so the bench can measure its memory alone: the product's incident
 * worker (the real activities, email to the bench's SMTP sink) or the baseline worker (bench
 * workflows and their one no-op activity). Driven by the bench over IPC.
 */
import type { Worker } from '@temporalio/worker';
import { connectWorkers, createWorker } from '../temporal/encrypted';
import { parseKeyRing } from '../temporal/key-ring';
import { loadConfig } from '../config/env';
import { createLogger } from '../lib/logger';
import { activityDeps } from '../app/activity-deps';
import { installRuntime } from '../app/runtime';
import { createIncidentWorker } from '../workers/worker';
import { benchActivities } from './activities';
import { startTracing } from '../lib/tracing';
import { keepAllocatorToThisProcess, processAllocator, type Allocator } from '../lib/allocator';

export interface WorkerProcessOptions {
  kind: 'incident' | 'baseline';
  address: string;
  taskQueue: string;
  /** A workflow bundle written by the bench (incident or bench workflows). */
  bundlePath: string;
  smtpUrl: string;
  /** The bench's key ring (JSON): the same as the gateway's client. */
  keyRing: string;
  /** The workflow cache; unset: the SDK's default for this heap. */
  maxCachedWorkflows?: number;
}

export type ToWorker = { type: 'measure' } | { type: 'stop' };
export type FromWorker =
  | { type: 'ready'; maxCachedWorkflows: number; allocator: Allocator['name'] }
  | { type: 'memory'; rss: number; heapUsed: number; external: number; cached: number };

function send(message: FromWorker): void {
  process.send?.(message);
}

const allocator = processAllocator();
keepAllocatorToThisProcess();

/**
 * Garbage collected, and what was freed given back: jemalloc returns freed pages over its decay
 * time (1 s in the bench's memory step), glibc's malloc keeps them (so there is nothing to wait for).
 */
async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 300));
  }
  if (allocator.name === 'jemalloc') await new Promise((r) => setTimeout(r, 3_000));
}

async function main(): Promise<void> {
  // The bench went away without stopping this worker (killed, or crashed): do not outlive it.
  process.once('disconnect', () => process.exit(1));
  const options = JSON.parse(process.env.BENCH_WORKER ?? '') as WorkerProcessOptions;
  // Errors only: the bench reads its own figures.
  const logger = createLogger('error', `bench-${options.kind}-worker`);
  installRuntime(logger, 'error');
  // On when the bench gives this worker an OTLP endpoint (bench/traces.ts).
  const tracing = startTracing('lockout-worker');
  const keys = parseKeyRing(options.keyRing, 'the bench key ring');
  const connection = await connectWorkers({ address: options.address }, keys);
  const workflowBundle = { codePath: options.bundlePath };
  const cache = options.maxCachedWorkflows ? { maxCachedWorkflows: options.maxCachedWorkflows } : {};
  const worker: Worker =
    options.kind === 'incident'
      ? await createIncidentWorker({
          connection,
          namespace: 'default',
          taskQueue: options.taskQueue,
          workflowBundle,
          ...cache,
          deps: activityDeps(
            loadConfig({ ...process.env, TEMPORAL_ADDRESS: options.address }),
            { url: options.smtpUrl, mode: 'smtp' },
            logger,
            keys,
          ).deps,
        })
      : await createWorker({
          connection,
          namespace: 'default',
          taskQueue: options.taskQueue,
          workflowBundle,
          activities: benchActivities,
          ...cache,
        });

  process.on('message', (message: ToWorker) => {
    if (message.type === 'stop') worker.shutdown();
    if (message.type === 'measure') {
      void settle().then(() => {
        const m = process.memoryUsage();
        send({
          type: 'memory',
          rss: m.rss,
          heapUsed: m.heapUsed,
          external: m.external,
          cached: worker.getStatus().numCachedWorkflows,
        });
      });
    }
  });
  const running = worker.run();
  send({ type: 'ready', maxCachedWorkflows: worker.options.maxCachedWorkflows, allocator: allocator.name });
  await running;
  await tracing?.shutdown();
  await connection.close();
  process.exit(0);
}

main().catch((err: Error) => {
  console.error(`bench worker: ${err.stack ?? err.message}`);
  process.exit(1);
});
