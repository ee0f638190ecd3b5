/**
 * `npm run worker`: a worker process on its own, for deployments where Temporal, the gateway and
 * workers run separately (docker-compose, Kubernetes). Configured by environment (README).
 */
import { loadConfig } from '../config/env';
import { createLogger } from '../config/logger';
import { connectWorker } from '../temporal/connection';
import { activityDeps } from './activity-deps';
import { setUpEmail } from './email-setup';
import { installRuntime } from './runtime';
import { createCrmSyncWorker } from './crm-sync-worker';
import { createIncidentWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'worker');
  installRuntime(logger, config.logLevel);
  const email = await setUpEmail(config);
  logger.info({ email: email.mode }, email.description);
  const connection = await connectWorker(config);
  const deps = activityDeps(config, email, logger);
  const worker = await createIncidentWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps,
  });
  const syncWorker = await createCrmSyncWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.crmSync.taskQueue,
    deps,
    maxPerSecond: config.crmSync.maxPerSecond,
  });
  logger.info({ taskQueue: config.temporal.taskQueue, address: config.temporal.address }, 'worker polling');
  // Both return after SIGINT/SIGTERM and a graceful shutdown.
  await Promise.all([worker.run(), syncWorker.run()]);
  await connection.close();
  await email.close();
}

main().catch((err: Error) => {
  console.error(`worker: ${err.message}`);
  process.exit(1);
});
