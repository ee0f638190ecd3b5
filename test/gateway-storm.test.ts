import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Connection } from '@temporalio/client';
import { createClient } from '../temporal/encrypted';
import { TEST_KEYS } from './helpers/codec-keys';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from '../gateway/server';
import { StartOutcomes } from '../client/start-outcomes';
import { createIncidentWorker } from '../workers/worker';
import { testDeps } from './helpers/deps';
import { incidentStatus, shippedRunbooks } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { metricValue } from './helpers/prometheus';
import { startLocalTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';

const ALERTS = 1_000;
const FINGERPRINTS = 10;
const CONCURRENCY = 50;
const TOKEN = 'storm-token-5e4d3c2b1a';

describe('alert storm through HTTP (dev server)', function () {
  this.timeout(300_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let worker: Worker;
  let running: Promise<void>;
  let connection: Connection;
  let gateway: FastifyInstance;
  let base: string;
  const taskQueue = uniqueTaskQueue('storm');

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
    worker = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      deps: testDeps(mail.url),
      workflowBundle: await workflowBundle(),
    });
    running = worker.run();
    const starts = new StartOutcomes();
    connection = await Connection.connect({ address: env.address, interceptors: [starts.interceptor] });
    const runbooks = shippedRunbooks();
    gateway = buildGateway({
      intake: {
        client: createClient({ connection }, TEST_KEYS),
        taskQueue,
        runbooks: () => runbooks,
        starts,
      },
      webUiLink: (id) => `http://ui.test/workflows/${id}`,
      sources: { alertmanager: { mode: 'bearer', tokens: [TOKEN] } },
    });
    await gateway.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await gateway?.close();
    await connection?.close();
    worker?.shutdown();
    await running;
    await env?.teardown();
    await mail?.close();
  });

  /** Alert n of the storm: fingerprint n mod 10, as Alertmanager would send it. */
  function webhook(n: number): string {
    const fp = `storm${String(n % FINGERPRINTS).padStart(11, '0')}`;
    return JSON.stringify({
      version: '4',
      status: 'firing',
      receiver: 'lockout',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: `SalesforceLockout${n % FINGERPRINTS}`, instance: `sync-${n % 7}` },
          annotations: { summary: `Salesforce integration locked out (${n % FINGERPRINTS})` },
          startsAt: '2026-11-26T02:14:00Z',
          fingerprint: fp,
        },
      ],
    });
  }

  it(`${ALERTS} alerts over ${FINGERPRINTS} fingerprints make exactly ${FINGERPRINTS} incidents with exact counts`, async () => {
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < ALERTS) {
          const n = next++;
          const response = await fetch(`${base}/alerts/alertmanager`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
            body: webhook(n),
          });
          await response.arrayBuffer();
          statuses.push(response.status);
        }
      }),
    );
    assert.equal(statuses.length, ALERTS);
    assert.deepEqual([...new Set(statuses)], [202]);

    const ids: string[] = [];
    for await (const wf of env.client.workflow.list({ query: `TaskQueue = '${taskQueue}'` }))
      ids.push(wf.workflowId);
    const expected = Array.from(
      { length: FINGERPRINTS },
      (_, i) => `lockout-am-storm${String(i).padStart(11, '0')}`,
    );
    assert.deepEqual(ids.sort(), expected);

    const signalNames: string[] = [];
    for (const id of expected) {
      const status = await incidentStatus(env.client, id);
      assert.equal(status.alertCount, ALERTS / FINGERPRINTS, id);
      assert.equal(status.alerts.length, 1, id);
      assert.equal(status.alerts[0]!.count, ALERTS / FINGERPRINTS, id);
      const { events } = await env.client.workflow.getHandle(id).fetchHistory();
      for (const e of events ?? [])
        if (e.workflowExecutionSignaledEventAttributes)
          signalNames.push(e.workflowExecutionSignaledEventAttributes.signalName!);
    }
    // Alerts that queued behind a signal in flight went together (client/alert-batches.ts).
    assert.ok(signalNames.includes('alerts'), 'some alerts went as one `alerts` signal');
    assert.ok(signalNames.length < ALERTS, `${signalNames.length} signals recorded for ${ALERTS} alerts`);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.equal(
      metricValue(metrics, 'lockout_gateway_incidents_opened_total', { source: 'alertmanager' }),
      FINGERPRINTS,
    );
    assert.equal(
      metricValue(metrics, 'lockout_gateway_dedup_hits_total', { source: 'alertmanager' }),
      ALERTS - FINGERPRINTS,
    );
    assert.equal(metricValue(metrics, 'lockout_gateway_alerts_total', { source: 'alertmanager' }), ALERTS);
  });
});
