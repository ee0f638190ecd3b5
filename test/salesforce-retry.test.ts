import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { IncidentFacts, StepResult } from '../domain/incident';
import { createIncidentWorker } from '../workers/worker';
import { testDeps } from './helpers/deps';
import {
  seedOrg,
  startSalesforce,
  type SalesforceFixture,
  type SeededOrg,
  shippedSalesforceDeps,
} from './helpers/salesforce';
import { startTimeSkippingTemporal, uniqueTaskQueue } from './helpers/temporal';
import { runRunbookActivity } from './workflows/run-activity';

const facts: IncidentFacts = {
  title: 'Salesforce API rate limited during lockout',
  pattern: 'token-expiry',
  severity: 'sev2',
  region: 'global', // on the main queue; regional routing is the engine's (tested on main)
  euPersonalData: false,
  source: 'test',
  labels: {},
  custom: {},
};

describe('Salesforce activities through a real worker (time-skipping server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let sf: SalesforceFixture;
  let org: SeededOrg;

  before(async () => {
    [env, sf] = await Promise.all([startTimeSkippingTemporal(), startSalesforce()]);
    org = seedOrg(sf.double, sf.integrationUserId);
  });
  after(async () => {
    await env?.teardown();
    await sf?.double.close();
  });

  async function salesforceWorker(taskQueue: string) {
    return createIncidentWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      deps: testDeps('smtp://127.0.0.1:1', {
        salesforce: shippedSalesforceDeps(sf.session('client-credentials')),
      }),
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: require.resolve('./workflows/run-activity'),
        logger: {
          log: () => undefined,
          trace: () => undefined,
          debug: () => undefined,
          info: () => undefined,
          warn: () => undefined,
          error: console.error,
        },
      }),
    });
  }

  it('waits out a 503 Retry-After as the Temporal retry delay, then opens each Case exactly once', async () => {
    const taskQueue = uniqueTaskQueue('sf-retry');
    const worker = await salesforceWorker(taskQueue);
    // Salesforce asks for 2 minutes: far longer than the step's own 1 s backoff.
    sf.double.failNext({ status: 503, retryAfter: 120, path: /sobjects\/Case/ });
    const casesBefore = sf.double.all('Case').length;
    const handle = await worker.runUntil(async () => {
      const started = await env.client.workflow.start(runRunbookActivity, {
        taskQueue,
        workflowId: 'sf-retry-1',
        args: [
          'notifyKeyAccounts',
          { incidentId: 'lockout-retry-1', step: 'notify-key-accounts', args: {}, facts },
        ],
      });
      const result: StepResult = await started.result();
      assert.equal(result.ok, true, result.summary);
      return started;
    });

    const cases = sf.double.all('Case').slice(casesBefore);
    assert.deepEqual(
      cases.map((c) => c.AccountId),
      [org.accounts.globex, org.accounts.initech],
    );
    const history = await handle.fetchHistory();
    const scheduledAt = history.events!.find((e) => e.activityTaskScheduledEventAttributes)!.eventTime!;
    const started = history.events!.map((e) => e.activityTaskStartedEventAttributes).filter(Boolean);
    assert.equal(started.length, 1, 'one started event: the retried attempt that succeeded');
    assert.equal(started[0]!.attempt, 2);
    const startedAt = history.events!.find((e) => e.activityTaskStartedEventAttributes)!.eventTime!;
    const waitedSeconds = Number(startedAt.seconds) - Number(scheduledAt.seconds);
    assert.ok(
      waitedSeconds >= 120,
      `the retry waited ${waitedSeconds} s of (skipped) workflow time, not the 1 s backoff`,
    );
  });

  it('refuses EU customer data on a queue that is not the EU one (data residency), touching nothing', async () => {
    const taskQueue = uniqueTaskQueue('sf-residency');
    const worker = await salesforceWorker(taskQueue);
    const requests = sf.double.requests.length;
    const error = await worker.runUntil(
      env.client.workflow
        .execute(runRunbookActivity, {
          taskQueue,
          workflowId: 'sf-residency-1',
          args: [
            'notifyKeyAccounts',
            { incidentId: 'lockout-eu-1', step: 'notify', args: {}, facts: { ...facts, region: 'eu' } },
          ],
        })
        .then(
          () => undefined,
          (err: Error) => err,
        ),
    );
    assert.ok(error, 'the step must fail');
    const cause = (error as { cause?: { cause?: { message?: string; type?: string } } }).cause?.cause;
    assert.equal(cause?.type, 'DataResidency');
    assert.match(cause?.message ?? '', /handles EU data but was taken from task queue/);
    assert.equal(sf.double.requests.length, requests, 'Salesforce was not called');
  });
});
