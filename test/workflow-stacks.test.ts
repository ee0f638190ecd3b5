import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WORKFLOW_STACK_FRAMES } from '../temporal/workflow-stacks';
import { testDeps } from './helpers/deps';
import { sendAlert } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { startLocalTemporal } from './helpers/temporal';
import { withWorker } from './helpers/worker';

interface EnhancedStackTrace {
  stacks: Array<{ locations: Array<{ file_path?: string; function_name?: string; line?: number }> }>;
}

/** The Web UI's Stack Trace tab of an open incident, with stacks kept short (temporal/workflow-stacks.ts). */
describe('workflow stack traces', function () {
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
  });
  after(async () => {
    await env?.teardown();
    await mail?.close();
  });

  it('keep at most the configured frames per pending promise, and still show where the incident waits', async () => {
    await withWorker(env, testDeps(mail.url), async (taskQueue) => {
      const { incidentId } = await sendAlert(env.client, taskQueue, {
        title: 'Stacks',
        fingerprint: `stacks-${taskQueue}`,
      });
      await mail.waitFor((m) => m.headers.get('x-lockout-incident') === incidentId);
      const handle = env.client.workflow.getHandle(incidentId);
      const { stacks } = await handle.query<EnhancedStackTrace>('__enhanced_stack_trace');

      assert.ok(stacks.length >= 3, `an open incident waits on several promises (${stacks.length})`);
      // The hook's own two frames are cut from each stack before it is kept.
      const longest = Math.max(...stacks.map((s) => s.locations.length));
      assert.ok(longest <= WORKFLOW_STACK_FRAMES - 2, `a stack kept ${longest} frames`);
      const waitSites = stacks.flatMap((s) =>
        s.locations.filter((l) => /\/workflows\/[\w-]+\.ts$/.test(l.file_path ?? '')),
      );
      assert.ok(waitSites.length > 0, 'some stack names the incident code it waits in');
      assert.match(await handle.query<string>('__stack_trace'), /workflows\/escalation\.ts:\d+/);
    });
  });
});
