/**
 * The high-risk period scenario for record.ts: a period's readiness workflow from its declaration
 * to its end: a rota check a day ahead, the vendor pack approved (and failing: no Salesforce on
 * the recording worker), a refused request, and four continuous check runs at its cadence.
 * Returns the workflow id whose history is recorded.
 */
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { periodWorkflowId } from '../../client/ids';
import { HighRiskPeriod } from '../../domain/high-risk-period';
import { decideVendorPackUpdate, stopPeriodUpdate } from '../../workflows/readiness-messages';

export async function recordReadinessHistory(
  env: TestWorkflowEnvironment,
  client: Client,
  taskQueue: string,
): Promise<string> {
  const start = (await env.currentTimeMs()) + 2 * 86_400_000;
  const period = HighRiskPeriod.parse({
    id: 'replay-review',
    kind: 'control-review',
    reason: 'recorded for the replay test',
    start: new Date(start).toISOString(),
    until: new Date(start + 3_600_000).toISOString(),
    checkEvery: '15m',
    coverageChecks: ['1d'],
    vendorPack: { ahead: '1d' },
  });
  const workflowId = periodWorkflowId(period.id);
  const handle = await client.workflow.start('highRiskPeriod', {
    taskQueue,
    workflowId,
    args: [{ period, declaredBy: 'cli:recorder' }],
  });
  await env.sleep('25h');
  await handle.executeUpdate(stopPeriodUpdate, { args: [{ by: '', reason: 'refused: no one' }] });
  await handle.executeUpdate(decideVendorPackUpdate, { args: [{ by: 'chloe', decision: 'approve' }] });
  await handle.result();
  return workflowId;
}
