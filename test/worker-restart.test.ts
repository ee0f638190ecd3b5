import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { IncidentStatus } from '../domain/incident';
import { acknowledgeSignal, resolveUpdate, statusQuery } from '../workflows/messages';
import { createIncidentWorker } from '../workers/worker';
import { testDeps } from './helpers/deps';
import { sendAlert } from './helpers/incidents';
import { timelineAt, waitPastDue } from './helpers/past-due';
import { runbookFromYaml } from './helpers/runbooks';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { startLocalTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';

describe('a worker crash mid-incident (dev server)', function () {
  this.timeout(90_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
  });
  after(async () => {
    await env?.teardown();
    await mail?.close();
  });

  async function startWorker(taskQueue: string): Promise<{ worker: Worker; running: Promise<void> }> {
    const worker = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      deps: testDeps(mail.url),
      workflowBundle: await workflowBundle(),
    });
    return { worker, running: worker.run() };
  }

  it('resumes in a new worker where it was, sending nothing twice', async () => {
    // A 2-second first escalation, so its timer fires while no worker runs; 15 s after it, level 2
    // would follow if the acknowledgement did not stop the chain (the test waits past that).
    const fast = runbookFromYaml(`
id: restart-test
version: 1
title: Worker restart test
escalation:
  levels:
    - { after: 2s, notify: [engineering, compliance] }
    - { after: 15s, notify: [incident-commander] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
onResolve: { notify: [operations, engineering, compliance] }
`);
    const taskQueue = uniqueTaskQueue('restart');
    const first = await startWorker(taskQueue);
    const { incidentId } = await sendAlert(
      env.client,
      taskQueue,
      { title: 'Sync jobs denied', fingerprint: 'restart-1' },
      [fast],
    );
    await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'notify-ops');

    first.worker.shutdown();
    await first.running;
    await new Promise((r) => setTimeout(r, 3_000)); // the escalation timer fires with nobody polling

    const second = await startWorker(taskQueue);
    try {
      await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'escalation-1', 2);
      const handle = env.client.workflow.getHandle(incidentId);
      await handle.signal(acknowledgeSignal, { by: 'ben' });
      let s = await handle.query(statusQuery);
      for (let i = 0; i < 100 && s.acknowledgements.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        s = await handle.query(statusQuery);
      }
      const level1At = timelineAt(s.timeline, /escalating to level 1/, 'level 1');
      const ackAt = timelineAt(s.timeline, /^acknowledged by ben/, 'the acknowledgement');
      assert.ok(
        ackAt < level1At + 15_000,
        'acknowledged before level 2 was due (else the check below proves nothing)',
      );
      await waitPastDue(env.client, incidentId, level1At + 15_000);
      await handle.executeUpdate(resolveUpdate, {
        args: [{ by: 'ben', reason: 'integration user re-enabled' }],
      });
      await handle.result();
      await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'resolution', 3);
    } finally {
      second.worker.shutdown();
      await second.running;
    }

    const count = (step: string) =>
      mail.messages.filter((m) => m.headers.get('x-lockout-step') === step).length;
    assert.equal(count('notify-ops'), 1, 'the ops alert went out once');
    assert.equal(count('escalation-1'), 2, 'level 1 (engineering, compliance) told once each');
    assert.equal(count('escalation-2'), 0, 'the acknowledgement stopped level 2, due before the resolution');
    const status = (await env.client.workflow.getHandle(incidentId).result()) as IncidentStatus;
    assert.equal(status.phase, 'resolved');
    assert.equal(status.escalationLevel, 1);
    assert.deepEqual(
      status.acknowledgements.map((a) => a.by),
      ['ben'],
    );
    assert.equal(status.deliveries.filter((d) => d.step === 'notify-ops').length, 1);
  });
});
