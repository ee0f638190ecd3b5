/**
 * (1) Alert to first notification: from POSTing an alert to the gateway until the incident's
 * first email reaches the SMTP sink. Baseline: from a bare signalWithStart of a no-op workflow
 * until that workflow has completed.
 */
import { performance } from 'node:perf_hooks';
import type { BenchStack } from './stack';
import { distribution, pool, ratio, type Distribution } from './stats';
import { benchNoop, benchSignal } from './workflows';
import { incidentIdFor } from '../client/ids';

export interface LatencyResult {
  incidents: number;
  concurrency: number;
  incidentMs: Distribution;
  baselineMs: Distribution;
  ratio: { p50: number; p99: number };
}

export async function measureLatency(
  stack: BenchStack,
  queues: { incident: string; baseline: string },
  options: { count: number; concurrency: number; run: string },
  progress: (done: number) => void,
): Promise<LatencyResult> {
  const gateway = await stack.gateway(queues.incident);
  const incident: number[] = [];
  try {
    await pool(options.count, options.concurrency, async (i) => {
      const fingerprint = `bench-${options.run}-latency-${i}`;
      const sent = performance.now();
      const response = await fetch(`${gateway.url}/alerts/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.token}` },
        body: JSON.stringify({ title: `Bench lockout ${i}`, fingerprint, pattern: 'certificate-chain' }),
      });
      if (response.status !== 202)
        throw new Error(`alert ${i}: HTTP ${response.status} ${await response.text()}`);
      const arrived = await stack.mail.firstMessage(incidentIdFor(fingerprint));
      incident.push(arrived - sent);
      progress(incident.length);
    });
  } finally {
    await gateway.close();
  }

  const baseline: number[] = [];
  await pool(options.count, options.concurrency, async (i) => {
    const started = performance.now();
    const handle = await stack.client.workflow.signalWithStart(benchNoop, {
      workflowId: `bench-${options.run}-noop-latency-${i}`,
      taskQueue: queues.baseline,
      signal: benchSignal,
      signalArgs: [{ i }],
    });
    await handle.result();
    baseline.push(performance.now() - started);
  });

  const incidentMs = distribution(incident);
  const baselineMs = distribution(baseline);
  return {
    incidents: options.count,
    concurrency: options.concurrency,
    incidentMs,
    baselineMs,
    ratio: { p50: ratio(incidentMs.p50, baselineMs.p50), p99: ratio(incidentMs.p99, baselineMs.p99) },
  };
}
