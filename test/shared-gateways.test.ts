/**
 * Gateway replicas on one PostgreSQL server (docs/production.md): GET /journeys serves what any
 * worker switched in the shared store, and GET /healthz answers 200 only while Temporal and the
 * store both answer, naming the one that does not.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Connection, type Client } from '@temporalio/client';
import { createClient } from '../temporal/encrypted';
import { TEST_KEYS } from './helpers/codec-keys';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from '../gateway/server';
import type { Database } from '../store/database';
import { storeJourneyModes } from '../store/journey-modes';
import { openStore } from '../store/open';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';
import { startLocalTemporal } from './helpers/temporal';

describe('gateway replicas sharing the store (real PostgreSQL, dev server)', function () {
  this.timeout(180_000);
  let pg: TestPostgres;
  let env: TestWorkflowEnvironment;
  let url: string;
  const stores: Database[] = [];
  const gateways: FastifyInstance[] = [];

  before(async () => {
    [pg, env] = await Promise.all([startTestPostgres(), startLocalTemporal()]);
    url = await pg.createDatabase('gateways');
  });
  after(async () => {
    for (const app of gateways) await app.close();
    for (const db of stores) await db.close().catch(() => undefined);
    await pg?.stop().catch(() => undefined);
    await env?.teardown();
  });

  async function replica(client: Client): Promise<{ base: string; store: Database }> {
    const { db: store } = await openStore({ kind: 'postgresql', url });
    stores.push(store);
    const app = buildGateway({
      intake: { client, taskQueue: 'unused', runbooks: () => [] },
      webUiLink: (id) => `http://ui.test/${id}`,
      journeyModes: storeJourneyModes(store),
      readiness: [
        { name: 'temporal', check: async () => void (await client.workflowService.getSystemInfo({})) },
        { name: 'store', check: async () => void (await store.query('SELECT 1')) },
      ],
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    gateways.push(app);
    return { base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, store };
  }

  it('every replica serves the journey modes a worker switched in the store', async () => {
    const [a, b] = [await replica(env.client), await replica(env.client)];
    const worker = storeJourneyModes(a.store);
    await worker.switch({
      journey: 'checkout-validation',
      mode: 'fallback',
      incidentId: 'inc-1',
      step: 'degrade',
    });
    for (const { base } of [a, b]) {
      const doc = (await (await fetch(`${base}/journeys`)).json()) as {
        journeys: Record<string, { mode: string; by: string }>;
      };
      assert.equal(doc.journeys['checkout-validation']?.mode, 'fallback');
      assert.equal(doc.journeys['checkout-validation']?.by, 'incident inc-1 step degrade');
      assert.equal(doc.journeys['account-management']?.mode, 'normal');
    }
  });

  it('/healthz is 200 with Temporal and the store up, 503 naming Temporal when it is unreachable', async () => {
    const { base } = await replica(env.client);
    const ok = await fetch(`${base}/healthz`);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { ok: true, checked: ['temporal', 'store'] });

    const nowhere = createClient({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }, TEST_KEYS);
    const cut = await replica(nowhere);
    const down = await fetch(`${cut.base}/healthz`);
    assert.equal(down.status, 503);
    const body = (await down.json()) as { ok: boolean; failed: Record<string, string> };
    assert.equal(body.ok, false);
    assert.deepEqual(Object.keys(body.failed), ['temporal']);
  });

  it('/healthz is 503 naming the store when PostgreSQL is gone', async () => {
    const { base } = await replica(env.client);
    await pg.stop();
    const down = await fetch(`${base}/healthz`);
    assert.equal(down.status, 503);
    const body = (await down.json()) as { failed: Record<string, string> };
    assert.deepEqual(Object.keys(body.failed), ['store']);
  });
});
