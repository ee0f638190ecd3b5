/**
 * OpenTelemetry traces (lib/tracing.ts): one alert followed from the gateway's request through
 * the client's signalWithStart to a real worker process's workflow and its notification
 * activity, every span sent by OTLP/HTTP to a loopback collector, all in one trace.
 * (The workflow's own span, RunWorkflow, ends with the incident and is sent then.)
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { buildGateway } from '../gateway/server';
import { startTracing, tracesEndpoint, type Tracing } from '../lib/tracing';
import { createClient } from '../temporal/encrypted';
import { FIXTURE_KEYS_FILE, TEST_KEYS } from './helpers/codec-keys';
import { shippedRunbooks } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { startOtlpCollector, type OtlpCollector } from './doubles/otlp-collector';
import { startLocalTemporal, uniqueTaskQueue } from './helpers/temporal';

const ROOT = join(__dirname, '..');

describe('OpenTelemetry traces from the gateway to the provider (dev server, worker process, OTLP/HTTP)', function () {
  this.timeout(180_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let collector: OtlpCollector;
  let worker: ChildProcess | undefined;
  let tracing: Tracing | undefined;

  before(async () => {
    [env, mail, collector] = await Promise.all([
      startLocalTemporal(),
      startMailCatcher(),
      startOtlpCollector(),
    ]);
  });
  after(async () => {
    await tracing?.shutdown();
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker!.once('exit', r));
      worker.kill('SIGTERM');
      await exited;
    }
    await env?.teardown();
    await mail?.close();
    await collector?.close();
  });

  it('reads the standard OTLP variables, and is off without them', () => {
    assert.equal(tracesEndpoint({}), undefined);
    assert.equal(
      tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }),
      'http://c:4318/v1/traces',
    );
    assert.equal(
      tracesEndpoint({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/x',
      }),
      'http://t/x',
    );
    assert.equal(
      tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }),
      undefined,
    );
    assert.equal(startTracing('off', {}), undefined);
  });

  it('puts the alert, its signalWithStart, the workflow and the notification activity in one trace', async () => {
    const taskQueue = uniqueTaskQueue('tracing');
    let stderr = '';
    worker = spawn(process.execPath, ['--require', 'tsx/cjs', join(ROOT, 'scripts', 'worker.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        LOCKOUT_TASK_QUEUE: taskQueue,
        SMTP_URL: mail.url,
        LOCKOUT_DATA_DIR: mkdtempSync(join(tmpdir(), 'tracing-')),
        LOCKOUT_WORKER_METRICS: 'off',
        LOCKOUT_LOG_LEVEL: 'warn',
        LOCKOUT_CODEC_KEYS_FILE: FIXTURE_KEYS_FILE,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    worker.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));

    // This process plays the gateway: its own tracer provider, a traced client, the real routes.
    tracing = startTracing('test-gateway', {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    assert.ok(tracing);
    const client = createClient({ connection: env.client.connection }, TEST_KEYS);
    const runbooks = shippedRunbooks();
    const gateway = buildGateway({
      intake: { client, taskQueue, runbooks: () => runbooks },
      webUiLink: (id) => `http://ui.example/${id}`,
      sources: { generic: { mode: 'bearer', tokens: ['trace-token'] } },
    });
    await gateway.listen({ host: '127.0.0.1', port: 0 });
    try {
      const response = await fetch(
        `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}/alerts/generic`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer trace-token' },
          body: JSON.stringify({ title: 'Traced lockout', fingerprint: 'traced-1', pattern: 'token-expiry' }),
        },
      );
      assert.equal(response.status, 202, await response.text());
      await mail
        .waitFor((m) => m.headers.get('x-lockout-incident') === 'lockout-traced-1', 1, 120_000)
        .catch((err: Error) => {
          throw new Error(`${err.message}\nworker stderr:\n${stderr}`);
        });

      const named = (name: string) => collector.spans.find((s) => s.name === name);
      for (let i = 0; i < 100 && !named('RunActivity:deliverNotification'); i++)
        await new Promise((r) => setTimeout(r, 200));
      const request = named('POST /alerts/generic');
      const start = named('SignalWithStartWorkflow:lockoutIncident');
      const schedule = named('StartActivity:deliverNotification');
      const send = named('RunActivity:deliverNotification');
      const seen = collector.spans.map((s) => `${s.service} ${s.name}`).join('\n');
      // (RunWorkflow ends with the incident, so it is exported only then.)
      assert.ok(request && start && schedule && send, `spans received:\n${seen}`);
      assert.equal(new Set([request, start, schedule, send].map((s) => s.traceId)).size, 1, seen);
      assert.equal(start.parentSpanId, request.spanId, "the signalWithStart is the request's child");
      assert.equal(send.parentSpanId, schedule.spanId, "the activity runs under the workflow's schedule");
      assert.equal(request.service, 'test-gateway');
      assert.equal(send.service, 'lockout-worker');
    } finally {
      await gateway.close();
    }
  });
});
