/**
 * (2) Alert storm: N alerts for K fingerprints through the gateway, as fast as it takes them
 * (sent from a worker thread: bench/storm-sender.ts);
 * then exactly K incidents must exist, each with its exact alert count. Then the same through
 * two gateways taking turns (on fresh fingerprints). Baseline: the same N
 * bare signalWithStarts over K ids of an empty workflow that counts its signals.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { queryStatus } from '../client/status';
import type { BenchStack } from './stack';
import type { StormSenderInput, StormSenderMessage } from './storm-sender';
import { pool, ratio } from './stats';
import { askUntilAnswered } from './busy-query';
import { benchIdle, benchSignal, countQuery } from './workflows';

export interface StormSide {
  alertsPerSecond: number;
  seconds: number;
  /** Workflows found for the storm's fingerprints (must be K). */
  workflows: number;
  /** Fingerprints whose count differed from what was sent (must be none). */
  wrongCounts: string[];
  /**
   * Signals the server recorded for the storm's alerts, over all its workflows: one per alert for
   * bare signalWithStart; fewer for the gateway, which sends alerts that queued behind a signal in
   * flight as one (client/alert-batches.ts).
   */
  signals: number;
}

export interface StormResult {
  alerts: number;
  fingerprints: number;
  concurrency: number;
  incident: StormSide;
  baseline: StormSide;
  ratio: number;
  exact: boolean;
  /** The same storm spread over two gateways (alternate requests), on fresh fingerprints. */
  twoGateways: StormSide & { ratio: number; exact: boolean };
}

/** How many of the N alerts go to fingerprint k (alert n goes to n mod K). */
function expectedCount(n: number, k: number, fingerprints: number): number {
  return Math.floor(n / fingerprints) + (k < n % fingerprints ? 1 : 0);
}

/** WorkflowExecutionSignaled events in the histories of these workflows. */
async function signalsRecorded(client: Client, workflowIds: string[]): Promise<number> {
  let signals = 0;
  for (const id of workflowIds) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    signals += (history.events ?? []).filter(
      (e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    ).length;
  }
  return signals;
}

async function workflowsWithPrefix(
  client: Client,
  taskQueue: string,
  prefix: string,
  expected: number,
): Promise<number> {
  // Visibility is eventually consistent: look again until the count settles (or 20 s pass).
  let found = 0;
  for (let attempt = 0; attempt < 40; attempt++) {
    found = 0;
    for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` }))
      if (wf.workflowId.startsWith(prefix)) found++;
    if (found >= expected) return found;
    await new Promise((r) => setTimeout(r, 500));
  }
  return found;
}

/**
 * The storm through `gateways` gateways, request n to gateway n mod G, sent from a worker thread
 * (bench/storm-sender.ts) so that the gateways have this thread's event loop to themselves;
 * then every count checked.
 */
async function stormThroughGateways(
  stack: BenchStack,
  taskQueue: string,
  options: { alerts: number; fingerprints: number; concurrency: number; prefix: string; gateways: number },
  progress: (done: number) => void,
): Promise<{ seconds: number; wrong: string[] }> {
  const { alerts, fingerprints, concurrency, prefix } = options;
  const gateways = await Promise.all(
    Array.from({ length: options.gateways }, () => stack.gateway(taskQueue)),
  );
  let seconds: number;
  try {
    const input: StormSenderInput = {
      gateways: gateways.map((g) => ({ url: g.url, token: g.token })),
      alerts,
      fingerprints,
      concurrency,
      prefix,
    };
    // tsx's loader is not inherited by worker threads: the sender loads it itself.
    const sender = new Worker(join(__dirname, 'storm-sender.ts'), {
      workerData: input,
      execArgv: ['--require', 'tsx/cjs'],
    });
    seconds = await new Promise<number>((resolve, reject) => {
      sender.on('message', (m: StormSenderMessage) => {
        if (m.type === 'progress') progress(m.sent);
        else if (m.type === 'done') resolve(m.seconds);
        else reject(new Error(m.error));
      });
      sender.once('error', reject);
      sender.once('exit', (code) => reject(new Error(`storm sender exited (code ${code})`)));
    });
    await sender.terminate();
  } finally {
    await Promise.all(gateways.map((g) => g.close()));
  }
  const wrong: string[] = [];
  for (let k = 0; k < fingerprints; k++) {
    const status = await askUntilAnswered(() => queryStatus(stack.client, `lockout-${prefix}${k}`));
    if (status.alertCount !== expectedCount(alerts, k, fingerprints))
      wrong.push(`${k}: ${status.alertCount}`);
  }
  return { seconds, wrong };
}

export async function measureStorm(
  stack: BenchStack,
  queues: { incident: string; baseline: string },
  options: { alerts: number; fingerprints: number; concurrency: number; run: string },
  progress: (side: string, done: number) => void,
): Promise<StormResult> {
  const { alerts, fingerprints, concurrency, run } = options;
  const one = await stormThroughGateways(
    stack,
    queues.incident,
    { alerts, fingerprints, concurrency, prefix: `bench-${run}-storm-`, gateways: 1 },
    (done) => progress('gateway', done),
  );
  const two = await stormThroughGateways(
    stack,
    queues.incident,
    { alerts, fingerprints, concurrency, prefix: `bench-${run}-storm2-`, gateways: 2 },
    (done) => progress('2 gateways', done),
  );

  let sent = 0;
  const baselineStarted = performance.now();
  await pool(alerts, concurrency, async (n) => {
    await stack.client.workflow.signalWithStart(benchIdle, {
      workflowId: `bench-${run}-idle-storm-${n % fingerprints}`,
      taskQueue: queues.baseline,
      signal: benchSignal,
      signalArgs: [{ n }],
    });
    if (++sent % Math.max(1, Math.floor(alerts / 10)) === 0) progress('baseline', sent);
  });
  const baselineSeconds = (performance.now() - baselineStarted) / 1000;
  const baselineWrong: string[] = [];
  for (let k = 0; k < fingerprints; k++) {
    const count = await askUntilAnswered(() =>
      stack.client.workflow.getHandle(`bench-${run}-idle-storm-${k}`).query(countQuery),
    );
    if (count !== expectedCount(alerts, k, fingerprints)) baselineWrong.push(`${k}: ${count}`);
  }

  const ids = (prefix: string) => Array.from({ length: fingerprints }, (_, k) => `${prefix}${k}`);
  const side = async (
    seconds: number,
    workflows: number,
    wrongCounts: string[],
    workflowIds: string[],
  ): Promise<StormSide> => ({
    alertsPerSecond: Math.round(alerts / seconds),
    seconds: Math.round(seconds * 10) / 10,
    workflows,
    wrongCounts,
    signals: await signalsRecorded(stack.client, workflowIds),
  });
  const incident = await side(
    one.seconds,
    await workflowsWithPrefix(stack.client, queues.incident, `lockout-bench-${run}-storm-`, fingerprints),
    one.wrong,
    ids(`lockout-bench-${run}-storm-`),
  );
  const twoSide = await side(
    two.seconds,
    await workflowsWithPrefix(stack.client, queues.incident, `lockout-bench-${run}-storm2-`, fingerprints),
    two.wrong,
    ids(`lockout-bench-${run}-storm2-`),
  );
  const baseline = await side(
    baselineSeconds,
    await workflowsWithPrefix(stack.client, queues.baseline, `bench-${run}-idle-storm-`, fingerprints),
    baselineWrong,
    ids(`bench-${run}-idle-storm-`),
  );
  return {
    alerts,
    fingerprints,
    concurrency,
    incident,
    baseline,
    ratio: ratio(incident.alertsPerSecond, baseline.alertsPerSecond),
    exact: incident.workflows === fingerprints && incident.wrongCounts.length === 0,
    twoGateways: {
      ...twoSide,
      ratio: ratio(twoSide.alertsPerSecond, baseline.alertsPerSecond),
      exact: twoSide.workflows === fingerprints && twoSide.wrongCounts.length === 0,
    },
  };
}
