/**
 * (2) Alert storm: N alerts for K fingerprints through the gateway, as fast as it takes them;
 * then exactly K incidents must exist, each with its exact alert count. Baseline: the same N
 * bare signalWithStarts over K ids of an empty workflow that counts its signals.
 */
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import { queryStatus } from '../client/status';
import type { BenchStack } from './stack';
import { pool, ratio } from './stats';
import { benchIdle, benchSignal, countQuery } from './workflows';

export interface StormSide {
  alertsPerSecond: number;
  seconds: number;
  /** Workflows found for the storm's fingerprints (must be K). */
  workflows: number;
  /** Fingerprints whose count differed from what was sent (must be none). */
  wrongCounts: string[];
}

export interface StormResult {
  alerts: number;
  fingerprints: number;
  concurrency: number;
  incident: StormSide;
  baseline: StormSide;
  ratio: number;
  exact: boolean;
}

/** How many of the N alerts go to fingerprint k (alert n goes to n mod K). */
function expectedCount(n: number, k: number, fingerprints: number): number {
  return Math.floor(n / fingerprints) + (k < n % fingerprints ? 1 : 0);
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

export async function measureStorm(
  stack: BenchStack,
  queues: { incident: string; baseline: string },
  options: { alerts: number; fingerprints: number; concurrency: number; run: string },
  progress: (side: string, done: number) => void,
): Promise<StormResult> {
  const { alerts, fingerprints, concurrency, run } = options;
  const gateway = await stack.gateway(queues.incident);
  let sent = 0;
  const started = performance.now();
  try {
    await pool(alerts, concurrency, async (n) => {
      const response = await fetch(`${gateway.url}/alerts/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.token}` },
        body: JSON.stringify({
          title: `Salesforce sync locked out (${n % fingerprints})`,
          fingerprint: `bench-${run}-storm-${n % fingerprints}`,
          pattern: 'acl-misconfiguration',
          labels: { instance: `sync-${n % 13}` },
        }),
      });
      await response.arrayBuffer();
      if (response.status !== 202) throw new Error(`storm alert ${n}: HTTP ${response.status}`);
      if (++sent % Math.max(1, Math.floor(alerts / 10)) === 0) progress('gateway', sent);
    });
  } finally {
    await gateway.close();
  }
  const incidentSeconds = (performance.now() - started) / 1000;
  const incidentPrefix = `lockout-bench-${run}-storm-`;
  const incidentWrong: string[] = [];
  for (let k = 0; k < fingerprints; k++) {
    const status = await queryStatus(stack.client, `${incidentPrefix}${k}`);
    if (status.alertCount !== expectedCount(alerts, k, fingerprints))
      incidentWrong.push(`${k}: ${status.alertCount}`);
  }

  sent = 0;
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
    const count = await stack.client.workflow.getHandle(`bench-${run}-idle-storm-${k}`).query(countQuery);
    if (count !== expectedCount(alerts, k, fingerprints)) baselineWrong.push(`${k}: ${count}`);
  }

  const side = (seconds: number, workflows: number, wrongCounts: string[]): StormSide => ({
    alertsPerSecond: Math.round(alerts / seconds),
    seconds: Math.round(seconds * 10) / 10,
    workflows,
    wrongCounts,
  });
  const incident = side(
    incidentSeconds,
    await workflowsWithPrefix(stack.client, queues.incident, incidentPrefix, fingerprints),
    incidentWrong,
  );
  const baseline = side(
    baselineSeconds,
    await workflowsWithPrefix(stack.client, queues.baseline, `bench-${run}-idle-storm-`, fingerprints),
    baselineWrong,
  );
  return {
    alerts,
    fingerprints,
    concurrency,
    incident,
    baseline,
    ratio: ratio(incident.alertsPerSecond, baseline.alertsPerSecond),
    exact: incident.workflows === fingerprints && incident.wrongCounts.length === 0,
  };
}
