import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { BufferedWrite, CrmWrite, RecordSyncStatus } from '../domain/crm-write';
import { syncWorkflowId } from '../domain/crm-write';
import { regionalTaskQueue } from '../domain/regions';
import { buildGateway } from '../gateway/server';
import { crmSyncHealth } from '../status-page/salesforce-health';
import { bufferWrites } from '../client/crm-sync';
import { drainRate, readSyncBuffer, summarize } from '../client/crm-sync-status';
import { crmSyncStatusQuery, crmWriteSignal } from '../workflows/crm-sync-messages';
import { crmSyncRecord } from '../workflows/crm-sync-record';
import { createCrmSyncWorker } from '../workers/crm-sync-worker';
import { formatSyncStatus } from '../cli/commands/sync';
import { runCli } from './helpers/cli';
import { testDeps } from './helpers/deps';
import { startSalesforce, type SalesforceFixture, shippedSalesforceDeps } from './helpers/salesforce';
import { startLocalTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';

const TOKEN = 'storefront-secret-0123456789';

/** Polls until `check` returns a value (real time: the dev server and its workers run for real). */
async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('CRM sync buffer (dev server, real jsforce, loopback Salesforce)', function () {
  this.timeout(240_000);
  let env: TestWorkflowEnvironment;
  let sf: SalesforceFixture;
  let worker: Worker;
  let running: Promise<void>;
  let gateway: FastifyInstance;
  let base: string;
  const taskQueue = uniqueTaskQueue('crm-sync');
  let salesforce: ReturnType<typeof shippedSalesforceDeps>;

  before(async () => {
    [env, sf] = await Promise.all([startLocalTemporal(), startSalesforce()]);
    salesforce = shippedSalesforceDeps(sf.session('jwt-bearer'));
    worker = await createCrmSyncWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      deps: testDeps('smtp://127.0.0.1:1', { salesforce }),
      maxPerSecond: 500,
      workflowBundle: await workflowBundle(),
    });
    running = worker.run();
    gateway = buildGateway({
      intake: { client: env.client, taskQueue: 'unused', runbooks: () => [] },
      webUiLink: (id) => id,
      crmWrites: { taskQueue, token: TOKEN },
    });
    await gateway.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    sf?.double.unblock();
    await gateway?.close();
    worker?.shutdown();
    await running;
    await env?.teardown();
    await sf?.double.close();
  });

  const post = (body: unknown, token = TOKEN) =>
    fetch(`${base}/crm/writes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });

  it('refuses writes without the token or with a bad field, and buffers nothing', async () => {
    const write: CrmWrite = {
      writeId: 'w-bad-1',
      object: 'Contact',
      externalIdField: 'Shop_Customer_Id__c',
      externalId: 'bad-1',
      fields: { LastName: 'X' },
    };
    assert.equal((await post(write, 'wrong-token-0123456789')).status, 401);
    const bad = await post({ writes: [write, { ...write, object: 'Contact; DROP', fields: { Id: '1' } }] });
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { problems: string[] };
    assert.ok(
      body.problems.some((p) => p.startsWith('writes.1.object: must be a Salesforce API name')),
      body.problems.join(),
    );
    assert.ok(
      body.problems.some((p) => p.startsWith('writes.1.fields.Id: must not be set')),
      body.problems.join(),
    );
    const started = [];
    for await (const wf of env.client.workflow.list({ query: `TaskQueue = '${taskQueue}'` }))
      started.push(wf);
    assert.equal(started.length, 0);
  });

  it('keeps 1,000 writes during a lockout and, after it, applies each once, in order per record', async () => {
    const RECORDS = 150;
    const writes: CrmWrite[] = [];
    const perRecord = new Map<string, number>();
    // Several writes per record (1 to 13), interleaved across records as a storefront sends them.
    for (let i = 0; writes.length < 1000; i++) {
      const customer = `cust-${(i * 7) % RECORDS}`;
      const seq = (perRecord.get(customer) ?? 0) + 1;
      perRecord.set(customer, seq);
      writes.push({
        writeId: `w-${i}`,
        object: 'Contact',
        externalIdField: 'Shop_Customer_Id__c',
        externalId: customer,
        fields: { LastName: `Customer ${customer}`, Sequence__c: seq, Last_Write__c: `w-${i}` },
      });
    }

    sf.double.lockOut();
    try {
      await bufferDuringLockout();
    } finally {
      sf.double.unblock();
    }
    async function bufferDuringLockout() {
      for (let i = 0; i < writes.length; i += 100) {
        const response = await post({ writes: writes.slice(i, i + 100) });
        assert.equal(response.status, 202, await response.text());
      }
      // The storefront retries a batch it did not get an answer for: recognised, not doubled.
      assert.equal((await post({ writes: writes.slice(0, 100) })).status, 202);

      const held = await eventually('the buffer to show 1,000 waiting writes', async () => {
        const snapshot = await readSyncBuffer(env.client);
        return snapshot.pending === 1000 ? snapshot : undefined;
      });
      assert.equal(held.records, RECORDS);
      const waiting = await crmSyncHealth(env.client).check();
      assert.equal(waiting.note, 'warning');
      assert.match(waiting.detail, /^1000 write\(s\) waiting for 150 record\(s\), oldest /);
      assert.ok(held.oldestPendingAt, 'oldest waiting write is reported');
      assert.equal(sf.double.upserts.length, 0, 'nothing reached Salesforce during the lockout');
      assert.ok(
        sf.double.tokenGrants.some((g) => g.outcome.includes('authentication failure')),
        'the buffer kept trying (and was refused a token)',
      );
    }

    await eventually('every write to reach Salesforce', async () =>
      sf.double.upserts.length >= 1000 ? true : undefined,
    );
    const drained = await eventually('the buffer to be empty', async () => {
      const snapshot = await readSyncBuffer(env.client);
      return snapshot.pending === 0 && snapshot.applied === 1000 ? snapshot : undefined;
    });
    assert.equal(drained.rejected, 0);
    assert.deepEqual(await crmSyncHealth(env.client).check(), {
      ok: true,
      detail: 'nothing waiting: every accepted write applied',
    });

    const applied = sf.double.upserts;
    assert.equal(applied.length, 1000, 'none lost, none applied twice');
    assert.equal(new Set(applied.map((u) => u.body.Last_Write__c)).size, 1000);
    for (const [customer, count] of perRecord) {
      const order = applied.filter((u) => u.value === customer).map((u) => u.body.Sequence__c);
      assert.deepEqual(
        order,
        Array.from({ length: count }, (_, k) => k + 1),
        `writes for ${customer} applied in order`,
      );
      const record = sf.double.all('Contact').filter((c) => c.Shop_Customer_Id__c === customer);
      assert.equal(record.length, 1);
      assert.equal(record[0]!.Sequence__c, count, 'the record ends as the last write left it');
    }
    const status = await env.client.workflow
      .getHandle(
        syncWorkflowId({ object: 'Contact', externalIdField: 'Shop_Customer_Id__c', externalId: 'cust-0' }),
      )
      .query(crmSyncStatusQuery);
    assert.equal(
      status.totals.duplicates,
      writes.slice(0, 100).filter((w) => w.externalId === 'cust-0').length,
    );

    const cli = await runCli(['sync', 'status', '--json', '--sample', '1s'], {
      TEMPORAL_ADDRESS: env.address,
    });
    assert.equal(cli.code, 0, cli.stderr);
    const shown = JSON.parse(cli.stdout) as { pending: number; applied: number; drainRatePerSecond: number };
    assert.equal(shown.pending, 0);
    assert.equal(shown.applied, 1000);
    assert.equal(typeof shown.drainRatePerSecond, 'number');
  });

  it('sets a write Salesforce rejects aside with the reason and applies the next one', async () => {
    const key = { object: 'Contact', externalIdField: 'Shop_Customer_Id__c', externalId: 'rejects-1' };
    const response = await post({
      writes: [
        { ...key, writeId: 'r-1', fields: { LastName: 'Before' } },
        { ...key, writeId: 'r-2', fields: { Bogus__c: 'x' } },
        { ...key, writeId: 'r-3', fields: { LastName: 'After' } },
      ],
    });
    assert.equal(response.status, 202);
    const handle = env.client.workflow.getHandle(syncWorkflowId(key));
    const status = await eventually('the three writes to be handled', async () => {
      const s: RecordSyncStatus = await handle.query(crmSyncStatusQuery);
      return s.pending === 0 && s.totals.applied + s.totals.rejected === 3 ? s : undefined;
    });
    assert.equal(status.totals.applied, 2);
    assert.deepEqual(
      status.rejected.map((r) => [r.writeId, r.reason]),
      [
        [
          'r-2',
          "Salesforce answered 400 INVALID_FIELD: No such column 'Bogus__c' on sobject of type Contact",
        ],
      ],
    );
    assert.equal(
      sf.double.all('Contact').find((c) => c.Shop_Customer_Id__c === 'rejects-1')?.LastName,
      'After',
    );

    // A signal sent past the gateway with a malformed write: set aside, the buffer keeps working.
    await handle.signal(crmWriteSignal, { writeId: 'r-4', fields: {} } as unknown as BufferedWrite);
    const after = await eventually('the malformed write to be set aside', async () => {
      const s: RecordSyncStatus = await handle.query(crmSyncStatusQuery);
      return s.totals.rejected === 2 ? s : undefined;
    });
    assert.equal(after.rejected[1]!.writeId, 'r-4');
    assert.match(after.rejected[1]!.reason, /^invalid write: object: .*acceptedAt: /);
    assert.equal((await handle.describe()).status.name, 'RUNNING');
  });

  it('continues as new with its waiting writes and counters when its history grows long', async () => {
    const key = { object: 'Contact', externalIdField: 'Shop_Customer_Id__c', externalId: 'long-1' };
    const writes: CrmWrite[] = Array.from({ length: 40 }, (_, i) => ({
      ...key,
      writeId: `long-${i}`,
      fields: { LastName: 'Long', Sequence__c: i + 1 },
    }));
    sf.double.lockOut();
    try {
      await bufferWrites(env.client, taskQueue, writes, new Date(), 30);
      await bufferWrites(env.client, taskQueue, writes.slice(0, 5), new Date(), 30);
    } finally {
      sf.double.unblock();
    }
    const handle = env.client.workflow.getHandle(syncWorkflowId(key));
    const status = await eventually('40 writes applied across runs', async () => {
      const s: RecordSyncStatus = await handle.query(crmSyncStatusQuery);
      return s.totals.applied === 40 ? s : undefined;
    });
    assert.deepEqual(status.totals, { accepted: 40, applied: 40, rejected: 0, duplicates: 5 });
    const described = await handle.describe();
    assert.notEqual(described.runId, described.raw.workflowExecutionInfo?.firstRunId, 'continued as new');
    assert.deepEqual(
      sf.double.upserts.filter((u) => u.value === 'long-1').map((u) => u.body.Sequence__c),
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
  });

  it('keeps a regional record in its region: buffered and applied by that region’s sync worker only', async () => {
    const region = 'eu' as const;
    const euQueue = regionalTaskQueue(taskQueue, region);
    const euWorker = await createCrmSyncWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue: euQueue,
      deps: testDeps('smtp://127.0.0.1:1', { salesforce }),
      maxPerSecond: 500,
      workflowBundle: await workflowBundle(),
      identity: 'eu-sync-worker',
    });
    await euWorker.runUntil(async () => {
      const key = { object: 'Contact', externalIdField: 'Shop_Customer_Id__c', externalId: 'eu-1' };
      const refused = await post({ ...key, writeId: 'eu-bad', region: 'asia', fields: { LastName: 'X' } });
      assert.equal(refused.status, 400);
      assert.match(
        ((await refused.json()) as { problems: string[] }).problems.join(),
        /^region: must be one of eu, us/,
      );

      const response = await post({ ...key, writeId: 'eu-w-1', region, fields: { LastName: 'Müller' } });
      assert.equal(response.status, 202, await response.text());
      const handle = env.client.workflow.getHandle(syncWorkflowId(key, region));
      assert.equal((await handle.describe()).taskQueue, euQueue);
      await eventually('the EU write to be applied', async () => {
        const s: RecordSyncStatus = await handle.query(crmSyncStatusQuery);
        return s.totals.applied === 1 ? s : undefined;
      });
      const history = await handle.fetchHistory();
      const upsertedBy = (history.events ?? [])
        .filter((e) => e.activityTaskStartedEventAttributes)
        .map((e) => e.activityTaskStartedEventAttributes!.identity);
      assert.deepEqual(upsertedBy, ['eu-sync-worker']);
    });

    // An EU write that reaches a buffer on the shared queue (past the gateway) is refused, untouched.
    const stray = { object: 'Contact', externalIdField: 'Shop_Customer_Id__c', externalId: 'eu-stray' };
    const upsertsBefore = sf.double.upserts.length;
    await env.client.workflow.signalWithStart(crmSyncRecord, {
      workflowId: syncWorkflowId(stray),
      taskQueue,
      args: [{ record: stray }],
      signal: crmWriteSignal,
      signalArgs: [
        {
          ...stray,
          writeId: 'eu-stray-1',
          region,
          fields: { LastName: 'X' },
          acceptedAt: new Date().toISOString(),
        },
      ],
    });
    const status = await eventually('the stray EU write to be set aside', async () => {
      const s: RecordSyncStatus = await env.client.workflow
        .getHandle(syncWorkflowId(stray))
        .query(crmSyncStatusQuery);
      return s.totals.rejected === 1 ? s : undefined;
    });
    assert.match(status.rejected[0]!.reason, /only EU workers may run it; nothing was done/);
    assert.equal(sf.double.upserts.length, upsertsBefore, 'nothing reached Salesforce');
  });
});

describe('CRM sync status arithmetic', () => {
  it('sums depth, finds the oldest waiting write and measures the drain rate between two samples', () => {
    const memo = (pending: number, applied: number, oldest: string | null, rejected = 0) => ({
      object: 'Contact',
      pending,
      applied,
      rejected,
      oldestPendingAt: oldest,
      lastAppliedAt: null,
    });
    const first = summarize(
      [
        { workflowId: 'a', memo: memo(3, 10, '2026-11-26T02:15:00.000Z') },
        { workflowId: 'b', memo: memo(0, 5, null, 1) },
        { workflowId: 'c', memo: memo(2, 0, '2026-11-26T02:14:00.000Z') },
      ],
      new Date('2026-11-26T03:00:00.000Z'),
    );
    assert.deepEqual(
      { ...first, at: undefined },
      {
        at: undefined,
        records: 2,
        pending: 5,
        oldestPendingAt: '2026-11-26T02:14:00.000Z',
        applied: 15,
        rejected: 1,
        withRejections: ['b'],
      },
    );
    const second = summarize(
      [
        { workflowId: 'a', memo: memo(0, 13, null) },
        { workflowId: 'c', memo: memo(0, 2, null) },
        { workflowId: 'b', memo: memo(0, 5, null, 1) },
      ],
      new Date('2026-11-26T03:00:05.000Z'),
    );
    assert.equal(drainRate(first, second), 1);
  });

  it('prints depth, age, rate and rejections for a person; refuses a bad --sample with exit 2', async () => {
    const text = formatSyncStatus(
      {
        at: '2026-11-26T03:00:05.000Z',
        records: 2,
        pending: 5,
        oldestPendingAt: '2026-11-26T02:14:00.000Z',
        applied: 15,
        rejected: 1,
        withRejections: ['crm-sync:Contact:Shop_Customer_Id__c:c-9'],
        drainRatePerSecond: 0.5,
        sampleSeconds: 5,
      },
      Date.parse('2026-11-26T03:00:05.000Z'),
    );
    assert.match(
      text,
      /waiting {4}5 write\(s\) for 2 record\(s\), oldest accepted 2026-11-26T02:14:00.000Z \(46m 5s ago\)/,
    );
    assert.match(text, /draining {3}0.5 write\(s\)\/s \(over 5.0 s\)/);
    assert.match(text, /empty in {3}~10s at this rate/);
    assert.match(text, /REJECTED {3}1 write\(s\) refused by Salesforce in 1 record\(s\)/);
    const bad = await runCli(['sync', 'status', '--sample', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--sample: "soon" is not a duration/);
  });
});
