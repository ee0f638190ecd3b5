/**
 * (1) Alert to first notification: from POSTing an alert to the gateway until the incident's
 * first email reaches the SMTP sink. Baseline: from a bare signalWithStart of a workflow that
 * runs one (no-op) activity until that workflow has completed. Both sides run with payload encryption on, as deployed;
 * what encryption costs is measured apart: the codec's time to encrypt and decrypt every
 * payload of an incident's history up to its first notification.
 */
import { performance } from 'node:perf_hooks';
import type { Payload } from '@temporalio/common';
import { EncryptionCodec } from '../temporal/payload-codec';
import type { BenchStack } from './stack';
import { distribution, pool, ratio, type Distribution } from './stats';
import { benchNotifyOnce, benchSignal } from './workflows';
import { incidentIdFor } from '../client/ids';
import { hopsOf, summariseHops, type HopSummary } from './hops';

export interface LatencyResult {
  incidents: number;
  concurrency: number;
  incidentMs: Distribution;
  baselineMs: Distribution;
  ratio: { p50: number; p99: number };
  /** Where the time to the first notification goes, hop by hop, from up to 20 incidents' histories (bench/hops.ts). */
  hops: HopSummary[];
  /** Codec work per incident history (up to the first notification): payloads, and ms for all. */
  encryption: { incidents: number; payloads: Distribution; codecMs: Distribution; shareOfP50: number };
}

/** Every payload of a history (protobuf objects), wherever it sits. */
function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (Array.isArray(value)) for (const item of value) payloadsIn(item, found);
  else if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const record = value as Record<string, unknown>;
    if (record.metadata && record.data instanceof Uint8Array) found.push(record as Payload);
    else for (const item of Object.values(record)) payloadsIn(item, found);
  }
  return found;
}

/** Decrypts and encrypts again every payload of a few incidents' histories, timing the codec alone. */
async function measureEncryption(
  stack: BenchStack,
  incidentIds: string[],
): Promise<LatencyResult['encryption']> {
  const codec = new EncryptionCodec(stack.keys);
  const counts: number[] = [];
  const times: number[] = [];
  for (const id of incidentIds) {
    const history = await stack.client.workflow.getHandle(id).fetchHistory();
    const payloads = payloadsIn(history.events);
    const started = performance.now();
    await codec.encode(await codec.decode(payloads));
    times.push(performance.now() - started);
    counts.push(payloads.length);
  }
  return {
    incidents: incidentIds.length,
    payloads: distribution(counts),
    codecMs: distribution(times),
    shareOfP50: 0,
  };
}

export async function measureLatency(
  stack: BenchStack,
  queues: { incident: string; baseline: string },
  options: { count: number; concurrency: number; run: string },
  progress: (done: number) => void,
): Promise<LatencyResult> {
  const gateway = await stack.gateway(queues.incident);
  const incident: number[] = [];
  const firstNotified: string[] = [];
  let encryption: LatencyResult['encryption'] | undefined;
  let hops: HopSummary[] | undefined;
  const times = new Map<string, { posted: number; notified: number }>();
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
      firstNotified.push(incidentIdFor(fingerprint));
      // Epoch milliseconds, to set beside the server's event times (same machine, same clock).
      times.set(incidentIdFor(fingerprint), {
        posted: performance.timeOrigin + sent,
        notified: performance.timeOrigin + arrived,
      });
      progress(incident.length);
    });
    // At most 20 histories, read right after the run: the incidents are little further along.
    encryption = await measureEncryption(stack, firstNotified.slice(0, 20));
    hops = summariseHops(
      await Promise.all(
        firstNotified.slice(0, 20).map(async (id) => {
          const { events } = await stack.client.workflow.getHandle(id).fetchHistory();
          const { posted, notified } = times.get(id)!;
          return hopsOf(events ?? [], posted, notified);
        }),
      ),
    );
  } finally {
    await gateway.close();
  }

  const baseline: number[] = [];
  await pool(options.count, options.concurrency, async (i) => {
    const started = performance.now();
    const handle = await stack.client.workflow.signalWithStart(benchNotifyOnce, {
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
    hops: hops!,
    encryption: {
      ...encryption!,
      shareOfP50: Math.round((encryption!.codecMs.p50 / Math.max(incidentMs.p50, 1)) * 1000) / 10,
    },
  };
}
