/**
 * Real Temporal servers for tests, from the pinned binaries (`npm test` installs them first):
 * the dev server (`createLocal`) and the time-skipping test server. Nothing is downloaded here.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../../temporal/bundle';
import { ALL_SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { registerSearchAttributes } from '../../temporal/register-search-attributes';
import { requireBinary, TEMPORAL_CLI, TEMPORAL_TEST_SERVER } from '../../temporal/binaries';
import { WORKFLOWS_PATH } from '../../workers/worker';
import { startTestEnvironment } from '../../temporal/encrypted';
import { TEST_KEYS } from './codec-keys';

/** Its client and workers encrypt payloads with the fixture key ring (helpers/codec-keys.ts). */
export function startLocalTemporal(): Promise<TestWorkflowEnvironment> {
  return startTestEnvironment(
    'local',
    {
      server: {
        executable: { type: 'existing-path', path: requireBinary(TEMPORAL_CLI) },
        searchAttributes: [...ALL_SEARCH_ATTRIBUTES],
        extraArgs: ['--log-level', 'error', '--headless'],
      },
    },
    TEST_KEYS,
  );
}

export async function startTimeSkippingTemporal(): Promise<TestWorkflowEnvironment> {
  const env = await startTestEnvironment(
    'time-skipping',
    { server: { executable: { type: 'existing-path', path: requireBinary(TEMPORAL_TEST_SERVER) } } },
    TEST_KEYS,
  );
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflow bundle, built once per test run. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflows(WORKFLOWS_PATH);
  return bundle;
}

let taskQueueCounter = 0;
/** A fresh task queue per test, so workers of different tests never share work. */
export function uniqueTaskQueue(name: string): string {
  return `test-${name}-${process.pid}-${++taskQueueCounter}`;
}
