import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '../activities';
import { loadDirectory } from '../comms/directory';
import { createWorker, replayHistories } from '../temporal/encrypted';
import * as m from '../workflows/messages';
import { TEST_KEYS } from './helpers/codec-keys';
import { testDeps } from './helpers/deps';
import { incidentStatus, sendAlert, terminateOpenIncidents } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { runbookFromYaml } from './helpers/runbooks';
import { startLocalTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';

// A worker that keeps no workflow in its cache handles every task cold, as a worker does right
// after a restart. An update handled cold used to order its commands unlike a later replay (the
// SDK folds command-less tasks differently), so the incident's history would not replay.
describe('updates handled by a cold worker replay (dev server, no workflow cache)', function () {
  this.timeout(180_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
  });
  after(async () => {
    await env?.teardown();
    await mail?.close();
  });

  it('resolves while the escalation and clock timers wait, and the history replays', async () => {
    const runbook = runbookFromYaml(`
id: cold-update
version: 1
title: Cold update test
clocks:
  - { id: report, title: Formal compliance status report, from: detected, within: 4h, metBy: manual }
escalation: { levels: [ { after: 1h, notify: [operations] } ] }
steps:
  - { id: tell-engineering, kind: notify, audience: engineering, template: ops-technical-alert }
onResolve: { notify: [operations] }
`);
    const directory = loadDirectory(join(__dirname, 'fixtures', 'directory.yaml'));
    const taskQueue = uniqueTaskQueue('cold-update');
    const worker = await createWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      activities: createActivities(testDeps(mail.url, { directory })),
      workflowBundle: await workflowBundle(),
      maxCachedWorkflows: 0,
    });
    const histories = await worker.runUntil(async () => {
      try {
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
          const { incidentId } = await sendAlert(
            env.client,
            taskQueue,
            { title: 'Audit log blocked', fingerprint: `cold-${i}` },
            [runbook],
          );
          ids.push(incidentId);
        }
        for (const id of ids) {
          // The step's two emails are out: the incident waits with no command of its own.
          for (let s = await incidentStatus(env.client, id); ; s = await incidentStatus(env.client, id)) {
            if (s.timeline.some((e) => e.summary.includes('runbook steps finished'))) break;
            await new Promise((r) => setTimeout(r, 200));
          }
          const handle = env.client.workflow.getHandle(id);
          await handle.executeUpdate(m.resolveUpdate, { args: [{ by: 'ana', reason: 'fixed' }] });
          await handle.signal(m.clockMetSignal, { clock: 'report', by: 'chloe' });
        }
        return await Promise.all(
          ids.map(async (id) => {
            await env.client.workflow.getHandle(id).result();
            return { workflowId: id, history: await env.client.workflow.getHandle(id).fetchHistory() };
          }),
        );
      } finally {
        await terminateOpenIncidents(env.client, taskQueue);
      }
    });

    for await (const result of replayHistories(
      { workflowBundle: await workflowBundle() },
      histories,
      TEST_KEYS,
    )) {
      assert.equal(result.error, undefined, `${result.workflowId}: ${result.error?.message}`);
    }
  });
});
