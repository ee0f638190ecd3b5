/**
 * A real incident worker in a process of its own, so a test can crash it with SIGKILL:
 * `tsx test/helpers/worker-process.ts` with TEMPORAL_ADDRESS, TASK_QUEUE and SMTP_URL set.
 * Prints "polling" when it runs.
 */
import { connectWorkers } from '../../temporal/encrypted';
import { TEST_KEYS } from './codec-keys';
import { createIncidentWorker } from '../../workers/worker';
import { testDeps } from './deps';
import { workflowBundle } from './temporal';

async function main(): Promise<void> {
  const connection = await connectWorkers({ address: process.env.TEMPORAL_ADDRESS! }, TEST_KEYS);
  const worker = await createIncidentWorker({
    connection,
    namespace: 'default',
    taskQueue: process.env.TASK_QUEUE!,
    deps: testDeps(process.env.SMTP_URL!),
    workflowBundle: await workflowBundle(),
    identity: `crash-test@${process.pid}`,
  });
  const running = worker.run();
  process.stdout.write('polling\n');
  await running;
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
