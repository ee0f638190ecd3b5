import assert from 'node:assert/strict';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Worker } from '@temporalio/worker';
import { createWorker } from '../temporal/encrypted';
import { RUNBOOK_ACTIVITIES } from '../activities/catalog';
import { createActivities } from '../activities';
import { assertRunsInRegion } from '../activities/region-guard';
import { regionalTaskQueue, regionOfTaskQueue, type DataRegion } from '../domain/regions';
import { createRegionalWorker, regionalActivities } from '../workers/regional';
import type { CustomerSyncEvidence, ProbeActivities, regionalCustomerSync } from './workflows';
import { testDeps } from './helpers/deps';
import { startLocalTemporal, uniqueTaskQueue } from './helpers/temporal';
import { testWorkflowBundle } from './helpers/test-workflows';

const { PendingActivityState } = temporal.api.enums.v1;

describe('data residency: regional task queues', () => {
  it('derives regional queues from the main one, and back', () => {
    assert.equal(regionalTaskQueue('lockout-runbook', 'eu'), 'lockout-runbook-eu');
    assert.equal(regionOfTaskQueue('lockout-runbook', 'lockout-runbook-us'), 'us');
    assert.equal(regionOfTaskQueue('lockout-runbook', 'lockout-runbook'), undefined);
    assert.equal(regionOfTaskQueue('lockout-runbook', 'lockout-runbook-asia'), undefined);
  });

  it('a regional worker registers exactly the activities the catalog marks regional', () => {
    const all = createActivities(testDeps('smtp://127.0.0.1:1'));
    // The Salesforce activities that read or write customer data.
    const shipped = ['findKeyAccounts', 'notifyKeyAccounts', 'sendProcurementPack'];
    assert.deepEqual(Object.keys(regionalActivities(all)).sort(), shipped);
    // Marking one more activity regional (in a copy: the shared catalog stays as it is).
    const marked = {
      ...RUNBOOK_ACTIVITIES,
      setJourneyMode: { ...RUNBOOK_ACTIVITIES.setJourneyMode!, regional: true },
    };
    assert.deepEqual(
      Object.keys(regionalActivities(all, marked)).sort(),
      [...shipped, 'setJourneyMode'].sort(),
    );
  });

  // The catalog is shared by every test in the run: none may change it.
  // (A copy of each entry: entries hold schemas and functions, compared by reference below them.)
  const catalogBefore = Object.fromEntries(Object.entries(RUNBOOK_ACTIVITIES).map(([k, v]) => [k, { ...v }]));
  after(() => assert.deepStrictEqual(RUNBOOK_ACTIVITIES, catalogBefore));
});

describe('data residency: an EU worker and a US worker (dev server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let base: string;
  let main: Worker;
  let mainRun: Promise<void>;
  /** What every syncCustomer execution reported, in the order they ran. */
  const evidence: CustomerSyncEvidence[] = [];

  before(async () => {
    env = await startLocalTemporal();
    base = uniqueTaskQueue('regions');
    // Workflows only: the main queue has no customer-data activity to offer.
    main = await createWorker({
      connection: env.nativeConnection,
      taskQueue: base,
      workflowBundle: await testWorkflowBundle(),
    });
    mainRun = main.run();
  });
  after(async () => {
    main?.shutdown();
    await mainRun;
    await env?.teardown();
  });

  function probe(workerRegion: DataRegion): ProbeActivities {
    return {
      async syncCustomer({ customer, dataRegion }) {
        assertRunsInRegion(dataRegion);
        const record = { customer, dataRegion, workerRegion, taskQueue: Context.current().info.taskQueue };
        evidence.push(record);
        return record;
      },
    };
  }

  async function regionalWorker(region: DataRegion): Promise<Worker> {
    const worker = await createRegionalWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      baseTaskQueue: base,
      region,
      deps: testDeps('smtp://127.0.0.1:1'),
      activities: probe(region),
      identity: `${region}-worker`,
    });
    assert.ok(worker);
    return worker;
  }

  const startSync = (region: DataRegion, customers: string[], misrouteTo?: DataRegion) =>
    env.client.workflow.start<typeof regionalCustomerSync>('regionalCustomerSync', {
      taskQueue: base,
      workflowId: `${base}-${region}-${customers[0]}`,
      args: [{ baseTaskQueue: base, region, customers, misrouteTo }],
    });

  /** Who Temporal itself recorded as running each activity: the worker identity per task queue. */
  async function startedBy(workflowId: string): Promise<Array<{ taskQueue: string; identity: string }>> {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const queueOf = new Map<string, string>();
    const started: Array<{ taskQueue: string; identity: string }> = [];
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) queueOf.set(String(event.eventId), scheduled.taskQueue?.name ?? '');
      const start = event.activityTaskStartedEventAttributes;
      if (start)
        started.push({
          taskQueue: queueOf.get(String(start.scheduledEventId)) ?? '?',
          identity: start.identity ?? '',
        });
    }
    return started;
  }

  it('runs EU activities only on the EU worker and US activities only on the US worker', async () => {
    const [eu, us] = await Promise.all([regionalWorker('eu'), regionalWorker('us')]);
    const both = async () => {
      const [euFlow, usFlow] = await Promise.all([
        startSync('eu', ['eu-1', 'eu-2', 'eu-3', 'eu-4']),
        startSync('us', ['us-1', 'us-2', 'us-3', 'us-4']),
      ]);
      const [euResult, usResult] = await Promise.all([euFlow.result(), usFlow.result()]);
      assert.deepEqual(
        euResult.map((e) => e.workerRegion),
        ['eu', 'eu', 'eu', 'eu'],
      );
      assert.deepEqual(
        usResult.map((e) => e.workerRegion),
        ['us', 'us', 'us', 'us'],
      );
      assert.deepEqual(
        await startedBy(euFlow.workflowId),
        Array(4).fill({ taskQueue: `${base}-eu`, identity: 'eu-worker' }),
      );
      assert.deepEqual(
        await startedBy(usFlow.workflowId),
        Array(4).fill({ taskQueue: `${base}-us`, identity: 'us-worker' }),
      );
    };
    await eu.runUntil(us.runUntil(both));
    assert.equal(evidence.length, 8);
    for (const e of evidence) assert.equal(e.workerRegion, e.dataRegion, JSON.stringify(e));
  });

  it('completes the US flow while the EU worker is down; the EU flow waits for an EU worker', async () => {
    evidence.splice(0);
    const us = await regionalWorker('us');
    const euFlow = await startSync('eu', ['eu-down-1', 'eu-down-2']);
    await us.runUntil(async () => {
      const usFlow = await startSync('us', ['us-live-1', 'us-live-2', 'us-live-3']);
      const usResult = await usFlow.result();
      assert.deepEqual(
        usResult.map((e) => e.customer),
        ['us-live-1', 'us-live-2', 'us-live-3'],
      );
      // The EU activity is scheduled on the EU queue and nobody there takes it: not the US worker.
      const pending = (await euFlow.describe()).raw.pendingActivities ?? [];
      assert.equal(pending.length, 1);
      assert.equal(pending[0]!.activityType?.name, 'syncCustomer');
      assert.equal(pending[0]!.attempt, 1);
      assert.equal(pending[0]!.state, PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED);
      assert.equal((await euFlow.describe()).status.name, 'RUNNING');
    });
    assert.ok(
      evidence.every((e) => e.dataRegion === 'us' && e.workerRegion === 'us'),
      JSON.stringify(evidence),
    );

    // An EU worker comes back: the waiting EU flow finishes there, and only there.
    const eu = await regionalWorker('eu');
    const euResult = await eu.runUntil(euFlow.result());
    assert.deepEqual(
      euResult.map((e) => `${e.customer}@${e.workerRegion}`),
      ['eu-down-1@eu', 'eu-down-2@eu'],
    );
    assert.deepEqual(
      await startedBy(euFlow.workflowId),
      Array(2).fill({ taskQueue: `${base}-eu`, identity: 'eu-worker' }),
    );
  });

  it('refuses EU data that reaches the US worker through a routing mistake, and touches nothing', async () => {
    evidence.splice(0);
    const us = await regionalWorker('us');
    const misrouted = await startSync('eu', ['eu-misrouted'], 'us');
    await us.runUntil(async () => {
      await assert.rejects(misrouted.result(), (err: Error) => {
        const failure = (err.cause as { cause?: ApplicationFailure }).cause;
        assert.equal(failure?.type, 'DataResidency');
        assert.match(
          failure?.message ?? '',
          /handles EU data but was taken from task queue ".*-us": only EU workers may run it/,
        );
        return true;
      });
    });
    assert.deepEqual(evidence, []);
  });
});
