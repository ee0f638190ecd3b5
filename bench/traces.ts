/**
 * Where the first notification's time goes, by OpenTelemetry (lib/tracing.ts): a few alerts with
 * tracing on in the gateway (this process) and a worker of their own, every span sent over
 * OTLP/HTTP to a loopback collector (test/doubles/otlp-collector.ts), then each alert's trace cut
 * into hops. Measured apart from the latency figures: tracing has a cost of its own.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { incidentIdFor } from '../client/ids';
import { startTracing } from '../lib/tracing';
import { bundleWorkflows } from '../temporal/bundle';
import { createClient } from '../temporal/encrypted';
import { startOtlpCollector, type ReceivedSpan } from '../test/doubles/otlp-collector';
import { WORKFLOWS_PATH } from '../workers/worker';
import type { BenchStack } from './stack';
import { distribution, pool, type Distribution } from './stats';

export interface TraceHop {
  hop: string;
  ms: Distribution;
}

export interface TracesResult {
  incidents: number;
  /** Alerts whose trace had every span the hops need. */
  traced: number;
  spans: number;
  hops: TraceHop[];
}

const REQUEST = 'POST /alerts/generic';
const SIGNAL_WITH_START = 'SignalWithStartWorkflow:lockoutIncident';
const SCHEDULE = 'StartActivity:deliverNotification';
const SEND = 'RunActivity:deliverNotification';

/** One alert's trace as hops (ms), or undefined when a span is missing. */
function hopsOf(trace: ReceivedSpan[]): Array<[string, number]> | undefined {
  const first = (name: string) =>
    trace.filter((s) => s.name === name).sort((a, b) => a.startMs - b.startMs)[0];
  const [request, start, schedule, send] = [REQUEST, SIGNAL_WITH_START, SCHEDULE, SEND].map(first);
  if (!request || !start || !schedule || !send) return undefined;
  return [
    [
      'gateway: authenticate, parse, classify',
      request.endMs - request.startMs - (start.endMs - start.startMs),
    ],
    ['client → server: signalWithStart', start.endMs - start.startMs],
    // Workflow code's clock is its task's start: the schedule span starts when the task did.
    ['server → worker: the first workflow task picked up', schedule.startMs - start.endMs],
    ['workflow task, then the activity picked up', send.startMs - schedule.startMs],
    ['deliverNotification, to the provider’s answer', send.endMs - send.startMs],
  ];
}

export async function measureTraces(
  stack: BenchStack,
  options: { count: number; concurrency: number; run: string },
): Promise<TracesResult> {
  const collector = await startOtlpCollector();
  const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '200' };
  const tracing = startTracing('lockout-bench-gateway', otel);
  if (!tracing) throw new Error('tracing did not start');
  try {
    // Workflows need the tracing interceptors in their bundle: bundled now, with tracing on.
    const bundlePath = join(stack.dir, 'incident-workflows-traced.js');
    writeFileSync(bundlePath, (await bundleWorkflows(WORKFLOWS_PATH)).code);
    const queue = `bench-${options.run}-traced`;
    const worker = await stack.worker('incident', queue, { env: otel, bundlePath });
    const gateway = await stack.gateway(queue, {
      client: createClient({ connection: stack.client.connection }, stack.keys),
    });
    try {
      await pool(options.count, options.concurrency, async (i) => {
        const fingerprint = `bench-${options.run}-traced-${i}`;
        const notified = stack.mail.firstMessage(incidentIdFor(fingerprint));
        const response = await fetch(`${gateway.url}/alerts/generic`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.token}` },
          body: JSON.stringify({ title: `Traced lockout ${i}`, fingerprint, pattern: 'certificate-chain' }),
        });
        if (response.status !== 202) throw new Error(`traced alert ${i}: HTTP ${response.status}`);
        await notified;
      });
      // Spans leave in batches (200 ms here): wait until every alert's activity span arrived.
      const deadline = performance.now() + 15_000;
      while (
        collector.spans.filter((s) => s.name === SEND).length < options.count &&
        performance.now() < deadline
      )
        await new Promise((r) => setTimeout(r, 200));
    } finally {
      await gateway.close();
      await worker.stop();
      // Their worker is gone: ended, so the status page does not count them unreadable.
      await pool(options.count, 16, async (i) => {
        const id = incidentIdFor(`bench-${options.run}-traced-${i}`);
        await stack.client.workflow
          .getHandle(id)
          .terminate('bench: traced')
          .catch(() => undefined);
      });
    }
  } finally {
    await tracing.shutdown();
    await collector.close();
  }

  const traces = new Map<string, ReceivedSpan[]>();
  for (const span of collector.spans) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
  const measured = [...traces.values()].map(hopsOf).filter((h) => h !== undefined);
  const names = measured[0]?.map(([name]) => name) ?? [];
  return {
    incidents: options.count,
    traced: measured.length,
    spans: collector.spans.length,
    hops: names.map((hop, i) => ({
      hop,
      ms: distribution(measured.map((h) => Math.max(0, h[i]![1]))),
    })),
  };
}
