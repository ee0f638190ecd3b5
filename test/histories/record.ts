/**
 * Records the event histories that the replay test replays. Run it when a workflow change is
 * meant to be visible to new incidents only, *before* making the change, so the histories of
 * today's code are kept:  npm run test:record-histories [-- --only <name>]
 *
 * Each scenario runs on the time-skipping server with the shipped runbooks and writes
 * test/histories/<name>.json. Existing files are kept unless --force is given: a history is a
 * promise that incidents started by that code keep replaying.
 */
import '../helpers/quiet-runtime';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Command } from 'commander';
import { parseGenericAlert } from '../../intake/alerts';
import { acknowledgeUpdate, alertSignal, resolveUpdate } from '../../workflows/messages';
import { createIncidentWorker } from '../../workers/worker';
import { testDeps } from '../helpers/deps';
import { sendAlert } from '../helpers/incidents';
import { startMailCatcher } from '../helpers/mail';
import { startTimeSkippingTemporal, uniqueTaskQueue, workflowBundle } from '../helpers/temporal';
import { recordCrmSyncHistory } from './record-crm-sync';

type Scenario = (env: TestWorkflowEnvironment, client: Client, taskQueue: string) => Promise<string>;

export const SCENARIOS: Record<string, Scenario> = {
  /** Generic runbook: duplicate alert, escalation to level 1, acknowledgement, resolution. */
  'generic-escalated-then-resolved': async (env, client, taskQueue) => {
    const alert = { title: 'Salesforce sync jobs denied', pattern: 'unclassified' as const, fingerprint: 'replay-generic-1' };
    const { incidentId } = await sendAlert(client, taskQueue, alert);
    const handle = client.workflow.getHandle(incidentId);
    await handle.signal(alertSignal, parseGenericAlert(alert));
    await env.sleep('16m');
    await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'ben', note: 'looking at the integration user' }] });
    await env.sleep('10m');
    await handle.executeUpdate(resolveUpdate, { args: [{ by: 'ben', reason: 'permission set restored' }] });
    await handle.result();
    return incidentId;
  },
  /** CRM sync buffer: writes held during a lockout, a duplicate, a rejected write, drained, idle end. */
  'crm-sync-lockout-drained': recordCrmSyncHistory,
};

async function main(): Promise<void> {
  const opts = new Command('record-histories')
    .description('Record event histories of complete incidents into test/histories/ for the replay test')
    .option('--only <name>', `one scenario: ${Object.keys(SCENARIOS).join(', ')}`)
    .option('--force', 'overwrite existing histories')
    .parse()
    .opts<{ only?: string; force?: boolean }>();
  const names = opts.only ? [opts.only] : Object.keys(SCENARIOS);
  const [env, mail] = await Promise.all([startTimeSkippingTemporal(), startMailCatcher()]);
  try {
    for (const name of names) {
      const scenario = SCENARIOS[name];
      if (!scenario) throw new Error(`unknown scenario "${name}"`);
      const file = join(__dirname, `${name}.json`);
      if (existsSync(file) && !opts.force) {
        console.log(`${name}: kept (exists; --force overwrites)`);
        continue;
      }
      const taskQueue = uniqueTaskQueue('record');
      const worker = await createIncidentWorker({
        connection: env.nativeConnection,
        namespace: 'default',
        taskQueue,
        deps: testDeps(mail.url),
        workflowBundle: await workflowBundle(),
      });
      const incidentId = await worker.runUntil(scenario(env, env.client, taskQueue));
      const history = await env.client.workflow.getHandle(incidentId).fetchHistory();
      writeFileSync(file, `${historyToJSON(history)}\n`);
      console.log(`${name}: recorded ${history.events?.length} events`);
    }
  } finally {
    await env.teardown();
    await mail.close();
  }
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err);
    process.exit(1);
  });
}
