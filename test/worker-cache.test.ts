import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createConfiguredWorkers } from '../app/workers';
import { ConfigError, loadConfig } from '../config/env';
import { testDeps } from './helpers/deps';
import { incidentStatus, sendAlert, terminateOpenIncidents } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { startLocalTemporal, uniqueTaskQueue } from './helpers/temporal';
import { withWorker } from './helpers/worker';

interface EnhancedStackTrace {
  stacks: Array<{ locations: Array<{ file_path?: string; function_name?: string; line?: number }> }>;
}

describe('the incident worker cache: LOCKOUT_WORKER_CACHE_SIZE (dev server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
  });
  after(async () => {
    await env?.teardown();
    await mail?.close();
  });

  it('keeps at most that many incidents in memory; the others replay and still answer', async () => {
    const taskQueue = uniqueTaskQueue('worker-cache');
    const config = loadConfig({
      LOCKOUT_TASK_QUEUE: taskQueue,
      LOCKOUT_WORKER_REGIONS: 'none',
      LOCKOUT_WORKER_CACHE_SIZE: '2',
    });
    const { workers, descriptions } = await createConfiguredWorkers(
      config,
      env.nativeConnection,
      testDeps(mail.url),
    );
    const incidents = workers[0]!;
    assert.equal(incidents.options.maxCachedWorkflows, 2);
    assert.match(descriptions[0]!, new RegExp(`"${taskQueue}" .*caches up to 2 workflows\\)$`));

    const others = workers.slice(1).map((w) => w.run());
    await incidents.runUntil(async () => {
      try {
        const ids: string[] = [];
        for (const n of [1, 2, 3]) {
          const { incidentId } = await sendAlert(env.client, taskQueue, {
            title: `Cache ${n}`,
            fingerprint: `cache-${taskQueue}-${n}`,
          });
          await mail.waitFor((m) => m.headers.get('x-lockout-incident') === incidentId);
          ids.push(incidentId);
        }
        for (const id of ids) assert.equal((await incidentStatus(env.client, id)).incidentId, id);
        assert.ok(
          incidents.getStatus().numCachedWorkflows <= 2,
          `cached ${incidents.getStatus().numCachedWorkflows} workflows`,
        );
      } finally {
        await terminateOpenIncidents(env.client, taskQueue);
      }
    });
    for (const w of workers.slice(1)) w.shutdown();
    await Promise.all(others);
  });

  it('says the default at start when the variable is unset', async () => {
    const taskQueue = uniqueTaskQueue('worker-cache-default');
    const { workers, descriptions } = await createConfiguredWorkers(
      loadConfig({ LOCKOUT_TASK_QUEUE: taskQueue, LOCKOUT_WORKER_REGIONS: 'none' }),
      env.nativeConnection,
      testDeps(mail.url),
    );
    const cache = workers[0]!.options.maxCachedWorkflows;
    assert.ok(cache > 2);
    assert.match(descriptions[0]!, new RegExp(`caches up to ${cache} workflows, the default for this heap`));
    // Started and stopped at once: the SDK shuts down only a running worker.
    await Promise.all(workers.map((w) => w.runUntil(Promise.resolve())));
  });

  // The SDK keeps a stack per pending promise of every cached incident (temporal/workflow-stacks.ts).
  it('keeps short stacks for a cached incident, which still show where it waits (Stack Trace tab)', async () => {
    await withWorker(env, testDeps(mail.url), async (taskQueue) => {
      const { incidentId } = await sendAlert(env.client, taskQueue, {
        title: 'Stacks',
        fingerprint: `stacks-${taskQueue}`,
      });
      await mail.waitFor((m) => m.headers.get('x-lockout-incident') === incidentId);
      const handle = env.client.workflow.getHandle(incidentId);
      const { stacks } = await handle.query<EnhancedStackTrace>('__enhanced_stack_trace');

      assert.ok(stacks.length >= 3, `an open incident waits on several promises (${stacks.length})`);
      // Six frames (not imported: that module sets the limit in whichever context loads it), less
      // the hook's own two, cut before a stack is kept.
      const longest = Math.max(...stacks.map((s) => s.locations.length));
      assert.ok(longest <= 6 - 2, `a stack kept ${longest} frames`);
      const waitSites = stacks.flatMap((s) =>
        s.locations.filter((l) => /\/workflows\/[\w-]+\.ts$/.test(l.file_path ?? '')),
      );
      assert.ok(waitSites.length > 0, 'some stack names the incident code it waits in');
      assert.match(await handle.query<string>('__stack_trace'), /workflows\/escalation\.ts:\d+/);
    });
  });

  it('refuses a size that is not a whole number from 2 to 100000, naming the variable', () => {
    for (const [value, reason] of [
      ['lots', /whole number/],
      ['2.5', /whole number/],
      ['1', /at least 2/],
      ['0', /at least 2/],
      ['-5', /at least 2/],
      ['100001', /at most 100000/],
    ] as const) {
      assert.throws(
        () => loadConfig({ LOCKOUT_WORKER_CACHE_SIZE: value }),
        (err: unknown) =>
          err instanceof ConfigError &&
          new RegExp(`LOCKOUT_WORKER_CACHE_SIZE: .*${reason.source}`).test(err.message),
        value,
      );
    }
    assert.equal(loadConfig({ LOCKOUT_WORKER_CACHE_SIZE: ' 5000 ' }).workerCacheSize, 5000);
    assert.equal(loadConfig({ LOCKOUT_WORKER_CACHE_SIZE: '' }).workerCacheSize, undefined);
  });
});
