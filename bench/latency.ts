/**
 * (1) Alert to first notification: from POSTing an alert to the gateway until the incident's
 * first message is accepted by its provider (the SMTP sink; with channels configured, also the
 * Twilio and webhook doubles). Baseline: from a bare signalWithStart of a workflow that runs one
 * (no-op) activity until that workflow has completed. Both sides run with payload encryption on, as deployed;
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
import type { TracesResult } from './traces';
import type { Runbook } from '../domain/runbook';

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
  /** Every cell measured: channels unconfigured and configured, at each number in flight (this one first). */
  matrix?: LatencyCell[];
  /** The same path with OpenTelemetry tracing on, cut into hops from each alert's trace (bench/traces.ts). */
  traces?: TracesResult;
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

/**
 * One cell of the latency matrix: channels unconfigured or configured, so many alerts in flight,
 * the bench's runbook or its opening only (bench/opening-runbook.ts).
 */
export interface LatencyCell {
  channels: Channels;
  concurrency: number;
  /** The runbook the cell's incidents ran (absent in runs before 2026-12-02: the bench's runbook). */
  runbook: string;
  incidents: number;
  incidentMs: Distribution;
  baselineMs: Distribution;
  ratio: { p50: number; p99: number };
}

/**
 * unconfigured: no Twilio, no webhook URLs (SMS and posts go to the outbox, email to the SMTP
 * sink); configured: every channel reaches its provider on loopback (bench/providers.ts).
 */
export type Channels = 'unconfigured' | 'configured';

interface IncidentRun {
  incidentMs: number[];
  /** Incident ids in the order they were first notified. */
  notified: string[];
  times: Map<string, { posted: number; notified: number }>;
}

/** Alerts to the gateway, `concurrency` at a time; each timed until its first notification was accepted. */
async function alertUntilNotified(
  stack: BenchStack,
  taskQueue: string,
  options: { count: number; concurrency: number; run: string; channels: Channels; runbook?: Runbook },
  progress: (done: number) => void,
): Promise<IncidentRun> {
  const gateway = await stack.gateway(taskQueue, options.runbook ? { runbook: options.runbook } : {});
  // Fresh fingerprints per runbook too: an earlier cell's incident id already has its first message.
  const cell = `${options.channels}-${options.concurrency}${options.runbook ? `-${options.runbook.id}` : ''}`;
  const result: IncidentRun = { incidentMs: [], notified: [], times: new Map() };
  const firstAccepted = (id: string) =>
    options.channels === 'configured'
      ? Promise.race([stack.mail.firstMessage(id), stack.providers.firstAccepted(id)])
      : stack.mail.firstMessage(id);
  try {
    await pool(options.count, options.concurrency, async (i) => {
      const fingerprint = `bench-${options.run}-latency-${cell}-${i}`;
      const id = incidentIdFor(fingerprint);
      const notified = firstAccepted(id);
      const sent = performance.now();
      const response = await fetch(`${gateway.url}/alerts/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.token}` },
        body: JSON.stringify({ title: `Bench lockout ${i}`, fingerprint, pattern: 'certificate-chain' }),
      });
      if (response.status !== 202)
        throw new Error(`alert ${i}: HTTP ${response.status} ${await response.text()}`);
      const arrived = await notified;
      result.incidentMs.push(arrived - sent);
      result.notified.push(id);
      // Epoch milliseconds, to set beside the server's event times (same machine, same clock).
      result.times.set(id, {
        posted: performance.timeOrigin + sent,
        notified: performance.timeOrigin + arrived,
      });
      progress(result.incidentMs.length);
    });
  } finally {
    await gateway.close();
  }
  return result;
}

/** Bare Temporal: signalWithStart of a workflow running one no-op activity, until it completed. */
async function bareTemporal(
  stack: BenchStack,
  taskQueue: string,
  options: { count: number; concurrency: number; run: string },
): Promise<number[]> {
  const baseline: number[] = [];
  await pool(options.count, options.concurrency, async (i) => {
    const started = performance.now();
    const handle = await stack.client.workflow.signalWithStart(benchNotifyOnce, {
      workflowId: `bench-${options.run}-noop-latency-${options.concurrency}-${i}`,
      taskQueue,
      signal: benchSignal,
      signalArgs: [{ i }],
    });
    await handle.result();
    baseline.push(performance.now() - started);
  });
  return baseline;
}

/**
 * An incident runs its next steps for a second or two after its first notification; bare Temporal
 * is timed before a cell's incidents, once the last cell's have settled, so it never shares the
 * machine with them (timed after, it did: its p50 rose by up to 2×, flattering the ratio).
 */
const SETTLE_MS = 5_000;

async function bareTemporalWhenQuiet(
  stack: BenchStack,
  taskQueue: string,
  options: { count: number; concurrency: number; run: string },
): Promise<Distribution> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return distribution(await bareTemporal(stack, taskQueue, options));
}

/** The first cell in full (hops, encryption); the JSON's `latency` fields are this cell's. */
export async function measureLatency(
  stack: BenchStack,
  queues: { incident: string; baseline: string },
  options: { count: number; concurrency: number; run: string },
  progress: (done: number) => void,
): Promise<LatencyResult> {
  const baselineMs = await bareTemporalWhenQuiet(stack, queues.baseline, options);
  const run = await alertUntilNotified(
    stack,
    queues.incident,
    { ...options, channels: 'unconfigured' },
    progress,
  );
  // At most 20 histories, read right after the run: the incidents are little further along.
  const sample = run.notified.slice(0, 20);
  const encryption = await measureEncryption(stack, sample);
  const hops = summariseHops(
    await Promise.all(
      sample.map(async (id) => {
        const { events } = await stack.client.workflow.getHandle(id).fetchHistory();
        const { posted, notified } = run.times.get(id)!;
        return hopsOf(events ?? [], posted, notified);
      }),
    ),
  );
  const incidentMs = distribution(run.incidentMs);
  return {
    incidents: options.count,
    concurrency: options.concurrency,
    incidentMs,
    baselineMs,
    ratio: { p50: ratio(incidentMs.p50, baselineMs.p50), p99: ratio(incidentMs.p99, baselineMs.p99) },
    hops,
    encryption: {
      ...encryption,
      shareOfP50: Math.round((encryption.codecMs.p50 / Math.max(incidentMs.p50, 1)) * 1000) / 10,
    },
  };
}

/** One more cell: its incidents on `taskQueue` (a worker with those channels), its own baseline; its incidents are terminated after. */
export async function measureLatencyCell(
  stack: BenchStack,
  queues: { incident: string; baseline: string },
  options: { count: number; concurrency: number; run: string; channels: Channels; runbook?: Runbook },
  progress: (done: number) => void,
): Promise<LatencyCell> {
  const baselineMs = await bareTemporalWhenQuiet(stack, queues.baseline, options);
  const run = await alertUntilNotified(stack, queues.incident, options, progress);
  // Ended again, so the later steps (the status page above all) see the same incidents as before.
  await pool(run.notified.length, 16, async (i) => {
    await stack.client.workflow.getHandle(run.notified[i]!).terminate('bench: latency cell measured');
  });
  const incidentMs = distribution(run.incidentMs);
  return {
    channels: options.channels,
    concurrency: options.concurrency,
    runbook: (options.runbook ?? stack.runbook).id,
    incidents: options.count,
    incidentMs,
    baselineMs,
    ratio: { p50: ratio(incidentMs.p50, baselineMs.p50), p99: ratio(incidentMs.p99, baselineMs.p99) },
  };
}
