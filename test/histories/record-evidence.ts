/**
 * Records the histories of evidence packs and post-incident reviews (docs/evidence.md), kept
 * beside record.ts so its scenarios stay as they were:  npx tsx test/histories/record-evidence.ts
 *
 * - evidence-certificate-chain-v2-archived (patch evidence-archive-on-close): certificate-chain v2
 *   answered promptly, as certificate-chain-v2-prompt-urgency, then the archive activity before
 *   the workflow returns.
 * - evidence-generic-reviewed (patch evidence-post-incident-review): the generic runbook with a
 *   review: acknowledged, resolved, the review template sent, an action item added, reminded,
 *   closed, the review recorded, the pack archived.
 */
import '../helpers/quiet-runtime';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { loadConfig } from '../../config/env';
import { runSimulation } from '../../simulation/run';
import { sendAlert, shippedRunbooks } from '../helpers/incidents';
import { Runbook } from '../../domain/runbook';
import { createIncidentWorker } from '../../workers/worker';
import { testDeps } from '../helpers/deps';
import { startMailCatcher } from '../helpers/mail';
import { startTimeSkippingTemporal, uniqueTaskQueue, workflowBundle } from '../helpers/temporal';
import {
  acknowledgeUpdate,
  addReviewItemUpdate,
  closeReviewItemUpdate,
  recordReviewUpdate,
  resolveUpdate,
  statusQuery,
} from '../../workflows/messages';
import { RUNBOOK_SCENARIOS } from './record';

const NAME = 'evidence-certificate-chain-v2-archived';
const REVIEWED = 'evidence-generic-reviewed';

async function main(): Promise<void> {
  await recordReviewed();
  const file = join(__dirname, `${NAME}.json`);
  if (existsSync(file)) {
    console.log(`${NAME}: kept (exists)`);
    return;
  }
  const scenario = RUNBOOK_SCENARIOS['certificate-chain-v2-prompt-urgency']!;
  const runbook = shippedRunbooks().find((r) => r.id === scenario.runbook)!;
  const result = await runSimulation({
    config: loadConfig({}),
    runbook,
    facts: scenario.facts,
    responses: scenario.responses,
    captureHistory: true,
  });
  const events = result.history!.events ?? [];
  const archived = events.some(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'archiveEvidence',
  );
  if (!archived) throw new Error('the recorded incident did not archive its evidence pack');
  writeFileSync(file, `${historyToJSON(result.history!)}\n`);
  console.log(`${NAME}: recorded ${events.length} events (${runbook.id} v${runbook.version})`);
}

async function recordReviewed(): Promise<void> {
  const file = join(__dirname, `${REVIEWED}.json`);
  if (existsSync(file)) {
    console.log(`${REVIEWED}: kept (exists)`);
    return;
  }
  const generic = shippedRunbooks().find((r) => r.id === 'generic-lockout')!;
  const runbook = Runbook.parse({ ...generic, review: {} });
  const [env, mail] = await Promise.all([startTimeSkippingTemporal(), startMailCatcher()]);
  try {
    const taskQueue = uniqueTaskQueue('record');
    const worker = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      deps: testDeps(mail.url, { client: env.client }),
      workflowBundle: await workflowBundle(),
    });
    const history = await worker.runUntil(async () => {
      const alert = { title: 'Salesforce sync jobs denied', pattern: 'unclassified' as const, fingerprint: 'replay-reviewed-1' };
      const { incidentId } = await sendAlert(env.client, taskQueue, alert, [runbook]);
      const handle = env.client.workflow.getHandle(incidentId);
      await env.sleep('5m');
      await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'ben' }] });
      await env.sleep('10m');
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'ben', reason: 'permission set restored' }] });
      for (let i = 0; i < 60 && (await handle.query(statusQuery)).phase !== 'review'; i++) await env.sleep('10s');
      const openedAt = (await handle.query(statusQuery)).review!.openedAt;
      const due = new Date(Date.parse(openedAt) + 2 * 86_400_000).toISOString();
      await handle.executeUpdate(addReviewItemUpdate, {
        args: [{ title: 'Alert on permission drift', owner: 'ben', due, by: 'dev' }],
      });
      await env.sleep('30h');
      await handle.executeUpdate(closeReviewItemUpdate, { args: [{ item: 'A1', by: 'ben' }] });
      await handle.executeUpdate(recordReviewUpdate, { args: [{ summary: 'drift alert added', by: 'dev' }] });
      await handle.result();
      return handle.fetchHistory();
    });
    const events = history.events ?? [];
    writeFileSync(file, `${historyToJSON(history)}\n`);
    console.log(`${REVIEWED}: recorded ${events.length} events`);
  } finally {
    await env.teardown();
    await mail.close();
  }
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
