import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ConfigError, loadConfig } from '../config/env';
import { sendAlert } from './helpers/incidents';
import { FIXTURE_KEYS_FILE } from './helpers/codec-keys';
import { startMailCatcher, type CaughtMail, type MailCatcher } from './helpers/mail';
import { metricValue } from './helpers/prometheus';
import { startLocalTemporal, uniqueTaskQueue } from './helpers/temporal';
import { freePort } from './helpers/ports';

const ROOT = join(__dirname, '..');

async function scrape(url: string, until: (text: string) => boolean, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      last = await (await fetch(url)).text();
      if (until(last)) return last;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`metrics never matched; last scrape:\n${last.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('worker metrics: the Temporal runtime and notification outcomes (worker process, dev server)', function () {
  this.timeout(180_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let worker: ChildProcess | undefined;
  let stderr = '';

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
  });
  after(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker!.once('exit', r));
      worker.kill('SIGTERM');
      await exited;
    }
    await env?.teardown();
    await mail?.close();
  });

  it('serves the SDK metrics and lockout_notifications by channel and outcome on LOCKOUT_WORKER_METRICS', async () => {
    const taskQueue = uniqueTaskQueue('worker-metrics');
    const port = await freePort();
    worker = spawn(process.execPath, ['--require', 'tsx/cjs', join(ROOT, 'scripts', 'worker.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        LOCKOUT_TASK_QUEUE: taskQueue,
        SMTP_URL: mail.url,
        LOCKOUT_DATA_DIR: mkdtempSync(join(tmpdir(), 'worker-metrics-')),
        LOCKOUT_WORKER_METRICS: `127.0.0.1:${port}`,
        LOCKOUT_LOG_LEVEL: 'warn',
        LOCKOUT_CODEC_KEYS_FILE: FIXTURE_KEYS_FILE,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    worker.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = `http://127.0.0.1:${port}/metrics`;
    // The SDK's own metrics appear once the worker polls its task queue.
    await scrape(
      url,
      (text) => /temporal_worker_start/.test(text) || /temporal_num_pollers/.test(text),
      120_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nworker stderr:\n${stderr}`);
    });

    const { incidentId } = await sendAlert(env.client, taskQueue, {
      title: 'Metrics check',
      fingerprint: 'metrics-w1',
    });
    const ours = (m: CaughtMail) => m.headers.get('x-lockout-incident') === incidentId;
    await mail.waitFor(ours);
    // The incident goes on sending (stakeholders next), so the counter is read against the mails
    // caught at the same moment: one delivered count per accepted message, no more, no fewer.
    // Core records an activity's execution latency once its completion is reported, which can be
    // a scrape later than the counter the activity itself increments.
    const delivered = (t: string) =>
      metricValue(t, 'lockout_notifications_total', {
        channel: 'email',
        outcome: 'delivered',
        taskQueue,
        activityType: 'deliverNotification',
      });
    let caught = 0;
    const text = await scrape(url, (t) => {
      caught = mail.messages.filter(ours).length;
      return (
        delivered(t) === caught &&
        /^temporal_activity_execution_latency\w*\{/m.test(t) &&
        /^temporal_workflow_task_execution_latency\w*\{/m.test(t)
      );
    }).catch((err: Error) => {
      throw new Error(`${err.message}\nmails caught for ${incidentId}: ${mail.messages.filter(ours).length}`);
    });

    assert.equal(/^(\w*lockout_notifications\w*)\{/m.exec(text)![1], 'lockout_notifications_total');
    assert.ok(caught >= 1);
    assert.equal(delivered(text), caught);
    assert.equal(
      metricValue(text, 'lockout_notifications_total', { channel: 'email', outcome: 'failed' }),
      0,
    );
    assert.match(text, /^temporal_activity_execution_latency\w*\{/m);
    assert.match(text, /^temporal_workflow_task_execution_latency\w*\{/m);
  });

  it('takes host:port or "off", and names the variable when it is neither', () => {
    assert.equal(loadConfig({}).workerMetricsAddress, '127.0.0.1:9464');
    assert.equal(loadConfig({ LOCKOUT_WORKER_METRICS: '0.0.0.0:9100' }).workerMetricsAddress, '0.0.0.0:9100');
    assert.equal(loadConfig({ LOCKOUT_WORKER_METRICS: 'off' }).workerMetricsAddress, undefined);
    assert.throws(
      () => loadConfig({ LOCKOUT_WORKER_METRICS: '9464' }),
      (err: unknown) =>
        err instanceof ConfigError && /LOCKOUT_WORKER_METRICS: must be host:port/.test(err.message),
    );
  });
});
