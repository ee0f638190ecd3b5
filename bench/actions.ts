/**
 * (3) Temporal actions per incident: a standard lifecycle on the bench's runbook (alert, first
 * notification, acknowledge and resolve as the CLI sends them, closing summary), counted from
 * each closed incident's history. Baseline: a bare signalWithStart of a no-op workflow.
 */
import type { Client } from '@temporalio/client';
import { sendAction } from '../client/actions';
import { incidentIdFor } from '../client/ids';
import { countBillableActions, type ActionCount } from './billable-actions';
import type { BenchStack } from './stack';
import { ratio } from './stats';
import { statusQuery } from '../workflows/messages';
import { benchNoop, benchSignal } from './workflows';
import { askUntilAnswered } from './busy-query';

export interface ActionsResult {
  incidents: number;
  runbook: string;
  lifecycle: string;
  incident: ActionCount;
  baseline: ActionCount;
  ratio: number;
}

/** The shipped runbook opens its post-incident review once the resolution's messages are out. */
async function reviewOpened(client: Client, incidentId: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const status = await askUntilAnswered(() => client.workflow.getHandle(incidentId).query(statusQuery));
    if (status.review?.state === 'open') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${incidentId}: the post-incident review never opened`);
}

async function actionsOf(client: Client, workflowId: string): Promise<ActionCount> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return countBillableActions(history.events ?? [], { signalWithStart: true });
}

/** The mean of several counts (they are normally identical), kind by kind. */
function mean(counts: ActionCount[]): ActionCount {
  const byKind: Record<string, number> = {};
  for (const c of counts)
    for (const [k, v] of Object.entries(c.byKind)) byKind[k] = (byKind[k] ?? 0) + v / counts.length;
  const round = (x: number) => Math.round(x * 10) / 10;
  for (const k of Object.keys(byKind)) byKind[k] = round(byKind[k]!);
  return {
    total: round(counts.reduce((s, c) => s + c.total, 0) / counts.length),
    byKind,
    events: round(counts.reduce((s, c) => s + c.events, 0) / counts.length),
  };
}

export async function measureActions(
  stack: BenchStack,
  queues: { incident: string; baseline: string },
  options: { count: number; run: string },
): Promise<ActionsResult> {
  const gateway = await stack.gateway(queues.incident);
  const incidents: ActionCount[] = [];
  try {
    for (let i = 0; i < options.count; i++) {
      const fingerprint = `bench-${options.run}-actions-${i}`;
      const incidentId = incidentIdFor(fingerprint);
      const response = await fetch(`${gateway.url}/alerts/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.token}` },
        body: JSON.stringify({ title: `Bench lifecycle ${i}`, fingerprint, pattern: 'token-expiry' }),
      });
      if (response.status !== 202) throw new Error(`lifecycle ${i}: HTTP ${response.status}`);
      await stack.mail.firstMessage(incidentId);
      await sendAction(stack.client, incidentId, 'acknowledge', { by: 'bench' });
      await sendAction(stack.client, incidentId, 'resolve', { by: 'bench', reason: 'bench lifecycle' });
      if (stack.runbook.review) {
        await reviewOpened(stack.client, incidentId);
        await sendAction(stack.client, incidentId, 'recordReview', {
          by: 'bench',
          summary: 'bench lifecycle',
        });
      }
      await stack.client.workflow.getHandle(incidentId).result();
      incidents.push(await actionsOf(stack.client, incidentId));
    }
  } finally {
    await gateway.close();
  }

  const baselineId = `bench-${options.run}-noop-actions`;
  const noop = await stack.client.workflow.signalWithStart(benchNoop, {
    workflowId: baselineId,
    taskQueue: queues.baseline,
    signal: benchSignal,
    signalArgs: [{}],
  });
  await noop.result();
  const baseline = await actionsOf(stack.client, baselineId);
  const incident = mean(incidents);
  return {
    incidents: options.count,
    runbook: `${stack.runbook.id} v${stack.runbook.version}`,
    lifecycle: `alert → first notification → acknowledge (update) → resolve (update)${stack.runbook.review ? ' → review recorded (update)' : ''} → closing summary`,
    incident,
    baseline,
    ratio: ratio(incident.total, baseline.total),
  };
}
