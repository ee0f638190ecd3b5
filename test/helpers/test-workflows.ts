/** The bundle of test/workflows (test-only workflows), built once per test run. */
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../../temporal/bundle';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

export function testWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflows(require.resolve('../workflows'));
  return bundle;
}
