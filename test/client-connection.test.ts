import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { connectClient, lazyClient } from '../client/connection';
import { loadConfig } from '../config/env';
import { FIXTURE_KEYS_FILE, TEST_KEYS } from './helpers/codec-keys';
import { startLocalTemporal, uniqueTaskQueue } from './helpers/temporal';

// A call the server ends while it stops, on a connection already closed, must fail that call and
// nothing else: the SDK's retry used to throw from a timer and end the whole process (npm start).
describe('client connections: closed, then the server stops (dev server)', function () {
  this.timeout(120_000);

  for (const kind of ['connectClient', 'lazyClient'] as const) {
    it(`${kind}: a pending long poll fails, no uncaught exception`, async () => {
      const env: TestWorkflowEnvironment = await startLocalTemporal();
      const uncaught: Error[] = [];
      const onUncaught = (err: Error) => uncaught.push(err);
      const mochaHandlers = process.listeners('uncaughtException');
      process.removeAllListeners('uncaughtException');
      process.on('uncaughtException', onUncaught);
      try {
        const config = loadConfig({
          TEMPORAL_ADDRESS: env.address,
          LOCKOUT_DATA_DIR: mkdtempSync(join(tmpdir(), 'client-connection-')),
          LOCKOUT_CODEC_KEYS_FILE: FIXTURE_KEYS_FILE,
        });
        const client =
          kind === 'connectClient'
            ? await connectClient(config, { keys: TEST_KEYS })
            : lazyClient(config, TEST_KEYS);
        // No worker polls this queue: the workflow never ends, its result is a long poll.
        const handle = await client.workflow.start('incidentWorkflow', {
          taskQueue: uniqueTaskQueue('closed-connection'),
          workflowId: `closed-connection-${kind}-${Date.now()}`,
          args: [],
        });
        const result = handle.result().then(
          () => 'ended',
          (err: Error) => `failed: ${err.message}`,
        );
        await new Promise((r) => setTimeout(r, 500)); // the poll is at the server
        await client.connection.close();
        await env.teardown();
        const outcome = await Promise.race([
          result,
          new Promise<string>((r) =>
            setTimeout(
              () => r(`pending after 30 s; uncaught: ${uncaught.map((e) => e.message).join('; ')}`),
              30_000,
            ),
          ),
        ]);
        assert.match(outcome, /^failed: /);
        // Long enough for any retry the SDK would have scheduled (its first backoff is 100 ms).
        await new Promise((r) => setTimeout(r, 3_000));
        assert.deepEqual(
          uncaught.map((e) => e.message),
          [],
        );
      } finally {
        process.removeListener('uncaughtException', onUncaught);
        for (const h of mochaHandlers) process.on('uncaughtException', h);
      }
    });
  }
});
