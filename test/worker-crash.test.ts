/**
 * A worker that dies (SIGKILL, not a shutdown) in the middle of a long activity: with heartbeats
 * the activity is given to another worker after the 30 s heartbeat timeout, not after the step's
 * 5-minute start-to-close. The mocha timeout is what would fail first without them.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createIncidentWorker } from '../workers/worker';
import { testDeps } from './helpers/deps';
import { incidentStatus, sendAlert } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { runbookFromYaml } from './helpers/runbooks';
import { startLocalTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';

describe('a worker killed with SIGKILL mid-activity (dev server, a real worker process)', function () {
  this.timeout(150_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let target: Server;
  let child: ChildProcess | undefined;
  const hanging: ServerResponse[] = [];
  const requests: number[] = [];

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
    // The first request never gets an answer (the worker dies waiting); later ones do.
    target = createServer((_, res) => {
      requests.push(Date.now());
      if (requests.length === 1) hanging.push(res);
      else res.writeHead(200).end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    child?.kill('SIGKILL');
    for (const res of hanging) res.destroy();
    target?.close();
    await env?.teardown();
    await mail?.close();
  });

  it('hands the activity to another worker after the heartbeat timeout: the step completes, nothing is lost or sent twice, deadlines hold', async () => {
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/health`;
    const runbook = runbookFromYaml(`
id: crash-test
version: 1
title: Crash test
clocks:
  - { id: report, title: Report filed, from: detected, within: 4h, metBy: manual }
escalation: { levels: [] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
  - { id: check, kind: activity, activity: checkHttpEndpoint, args: { url: "${url}", timeoutSeconds: 120 } }
  - { id: notify-after, kind: notify, audience: operations, template: ops-technical-alert }
onResolve: { notify: [operations] }
`);
    const taskQueue = uniqueTaskQueue('crash');
    // node itself (not the tsx wrapper), so SIGKILL reaches the worker.
    child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'helpers', 'worker-process.ts')], {
      env: { ...process.env, TEMPORAL_ADDRESS: env.address, TASK_QUEUE: taskQueue, SMTP_URL: mail.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child!.stdout!.on('data', (d: Buffer) => d.toString().includes('polling') && resolve());
      child!.once('exit', (code) => reject(new Error(`worker process exited with ${code}`)));
    });
    const { incidentId } = await sendAlert(
      env.client,
      taskQueue,
      { title: 'Crash', fingerprint: 'crash-1' },
      [runbook],
    );
    while (requests.length === 0) await new Promise((r) => setTimeout(r, 100));
    const before = await incidentStatus(env.client, incidentId);
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    child = undefined;

    const worker = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      deps: testDeps(mail.url),
      workflowBundle: await workflowBundle(),
    });
    await worker.runUntil(async () => {
      while (requests.length < 2) await new Promise((r) => setTimeout(r, 200));
      const handle = env.client.workflow.getHandle(incidentId);
      for (let i = 0; i < 50; i++) {
        const events = (await handle.fetchHistory()).events ?? [];
        const started = events.find(
          (e) =>
            e.activityTaskStartedEventAttributes &&
            events.some(
              (s) =>
                s.eventId?.toString() ===
                  e.activityTaskStartedEventAttributes!.scheduledEventId?.toString() &&
                s.activityTaskScheduledEventAttributes?.activityType?.name === 'checkHttpEndpoint',
            ),
        );
        const completed = events.some(
          (e) =>
            e.activityTaskCompletedEventAttributes?.startedEventId?.toString() ===
            started?.eventId?.toString(),
        );
        if (started && completed) {
          const attrs = started.activityTaskStartedEventAttributes!;
          assert.equal(attrs.attempt, 2, 'the second attempt completed it');
          assert.match(attrs.lastFailure?.message ?? '', /heartbeat/i, JSON.stringify(attrs.lastFailure));
          // Nothing lost, nothing sent twice, deadlines unchanged.
          const sentBefore = before.deliveries.filter((d) => d.step === 'notify-ops').length;
          assert.ok(sentBefore > 0, 'the first worker told operations before it died');
          await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'notify-after', sentBefore);
          const after = await incidentStatus(env.client, incidentId);
          const perStep = (step: string) =>
            mail.messages.filter((m) => m.headers.get('x-lockout-step') === step).map((m) => m.to.join(','));
          assert.deepEqual(perStep('notify-ops').sort(), perStep('notify-after').sort());
          assert.equal(new Set(perStep('notify-ops')).size, perStep('notify-ops').length, 'each told once');
          assert.deepEqual(
            after.clocks.map((c) => `${c.id} ${c.deadline}`),
            before.clocks.map((c) => `${c.id} ${c.deadline}`),
          );
          return;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.fail('the step did not complete on the second worker');
    });
  });
});
