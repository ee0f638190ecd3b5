import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, type Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { connectClient } from '../client/connection';
import { StartOutcomes } from '../client/start-outcomes';
import { isBusyIncident, queryStatus, readIncident, statusOrResult } from '../client/status';
import { loadConfig } from '../config/env';
import { createClient } from '../temporal/encrypted';
import { createIncidentWorker } from '../workers/worker';
import { FIXTURE_KEYS_FILE, TEST_KEYS } from './helpers/codec-keys';
import { testDeps } from './helpers/deps';
import { incidentStatus, sendAlert, terminateOpenIncidents } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { startLocalTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';

/**
 * An incident whose workflow task is in flight answers one query at a time; the server refuses
 * the next one as busy. The gateway's client has no gRPC retry (it answers alerts at once), so the
 * status page and signed links ask again themselves (client/status.ts).
 */
describe('reading a busy incident (status page, signed links)', function () {
  this.timeout(60_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let gatewayClient: Client;
  const taskQueue = uniqueTaskQueue('busy-read');
  const workers: { worker: Worker; running: Promise<void> }[] = [];

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
    // As scripts/gateway.ts connects: its interceptor replaces Temporal's retry.
    const connection = await Connection.connect({
      address: env.address,
      interceptors: [new StartOutcomes().interceptor],
    });
    gatewayClient = createClient({ connection }, TEST_KEYS);
  });
  after(async () => {
    await terminateOpenIncidents(env.client, taskQueue);
    for (const { worker, running } of workers) {
      worker.shutdown();
      await running;
    }
    await gatewayClient?.connection.close();
    await env?.teardown();
    await mail?.close();
  });

  async function startWorker(queue: string): Promise<void> {
    const worker = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue: queue,
      deps: testDeps(mail.url),
      workflowBundle: await workflowBundle(),
    });
    workers.push({ worker, running: worker.run() });
  }

  /** An incident whose first workflow task waits (no worker yet), with one query held for it. */
  async function busyIncident(
    queue: string,
    fingerprint: string,
  ): Promise<{ id: string; held: Promise<unknown> }> {
    const { incidentId: id } = await sendAlert(env.client, queue, { title: 'Busy lockout', fingerprint });
    const held = env.client
      .withDeadline(Date.now() + 11_000, () => incidentStatus(env.client, id))
      .catch((err: unknown) => err);
    await sleep(500);
    // What the gateway met in an alert storm: the next query is refused at once.
    await assert.rejects(queryStatus(gatewayClient, id), (err) => isBusyIncident(err));
    return { id, held };
  }

  it('asks again while the incident is busy and shows it once its task is done', async () => {
    const { id, held } = await busyIncident(taskQueue, 'busy-read-then-free');
    const read = readIncident(gatewayClient, id);
    await sleep(1_000);
    await startWorker(taskQueue);
    const result = await read;
    assert.ok(result.ok, `read refused: ${result.ok ? '' : result.reason}`);
    assert.equal(result.status.incidentId, id);
    assert.equal(result.status.alertCount, 1);
    const first = (await held) as { incidentId?: string };
    assert.equal(first.incidentId, id, 'the held query is answered too');
  });

  it("the CLI's client (Temporal's own gRPC retry) rides over it as well", async () => {
    const queue = uniqueTaskQueue('busy-read-cli');
    const { id, held } = await busyIncident(queue, 'busy-read-cli');
    // The CLI's own connection (cli/temporal.ts): no interceptors given, so Temporal's retry.
    const config = loadConfig({
      TEMPORAL_ADDRESS: env.address,
      LOCKOUT_DATA_DIR: mkdtempSync(join(tmpdir(), 'busy-read-cli-')),
      LOCKOUT_CODEC_KEYS_FILE: FIXTURE_KEYS_FILE,
    });
    const cliClient = await connectClient(config, { keys: TEST_KEYS });
    try {
      const read = statusOrResult(cliClient, id);
      await sleep(1_000);
      await startWorker(queue);
      const found = await read;
      assert.ok('status' in found, JSON.stringify(found));
      assert.equal(found.status.incidentId, id);
      await held;
    } finally {
      await cliClient.connection.close();
      await terminateOpenIncidents(env.client, queue);
    }
  });

  it('still answers 503 within its deadline when the incident stays busy', async () => {
    // Another task queue: no worker ever comes.
    const lonely = uniqueTaskQueue('busy-read-no-worker');
    const { id, held } = await busyIncident(lonely, 'busy-read-forever');
    const result = await readIncident(gatewayClient, id);
    assert.equal(result.ok, false);
    assert.equal(result.ok ? 0 : result.httpStatus, 503);
    assert.match(result.ok ? '' : result.reason, /cannot be read right now/);
    await held;
    await terminateOpenIncidents(env.client, lonely);
  });
});
