/**
 * One worker of the chaos run (bench/chaos.ts), in its own process so SIGKILL reaches it: the
 * product's worker as `npm run worker` builds it (configuration from the environment, the shared
 * store at LOCKOUT_DATABASE_URL), except that it loads the workflow bundle the run wrote once.
 * Prints "polling" when it runs. CHAOS_BUNDLE: the bundle's path.
 */
import { activityDeps } from '../app/activity-deps';
import { installRuntime } from '../app/runtime';
import { sharedState } from '../app/shared-state';
import { storeFromConfig } from '../app/store';
import { connectWorker } from '../app/worker-connection';
import { loadCodecKeys } from '../temporal/codec-keys';
import { loadConfig } from '../config/env';
import { createLogger } from '../lib/logger';
import { createIncidentWorker } from '../workers/worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('error', `chaos-worker-${process.pid}`);
  installRuntime(logger, 'error');
  const store = await storeFromConfig(config, logger);
  const keys = await loadCodecKeys(config);
  const connection = await connectWorker(config, keys);
  const { deps } = activityDeps(
    config,
    { url: config.smtp.url!, mode: 'smtp' },
    logger,
    keys,
    sharedState(store, config),
  );
  const worker = await createIncidentWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps,
    workflowBundle: { codePath: process.env.CHAOS_BUNDLE! },
    identity: `chaos-worker@${process.pid}`,
    shutdownGraceTime: config.workerShutdownGraceMs,
  });
  const running = worker.run();
  process.stdout.write('polling\n');
  await running;
  await connection.close();
  await store.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos worker: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
