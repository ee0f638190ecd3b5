/**
 * Records the history that shows incidents archiving their evidence pack on close (patch
 * evidence-archive-on-close, docs/evidence.md): certificate-chain v2 answered promptly, as
 * certificate-chain-v2-prompt-urgency, then the archive activity before the workflow returns.
 * Kept beside record.ts so its scenarios stay as they were:  npx tsx test/histories/record-evidence.ts
 */
import '../helpers/quiet-runtime';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { loadConfig } from '../../config/env';
import { runSimulation } from '../../simulation/run';
import { shippedRunbooks } from '../helpers/incidents';
import { RUNBOOK_SCENARIOS } from './record';

const NAME = 'evidence-certificate-chain-v2-archived';

async function main(): Promise<void> {
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

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
