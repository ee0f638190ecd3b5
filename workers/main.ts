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
import { createIncidentWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'worker');
  installRuntime(logger, config.logLevel, config.workerMetricsAddress);
  if (config.workerMetricsAddress)
    logger.info(
      { metrics: `http://${config.workerMetricsAddress}/metrics` },
      'worker metrics for Prometheus',
    );
  const email = await setUpEmail(config);
  logger.info({ email: email.mode }, email.description);
  const connection = await connectWorker(config);
  const worker = await createIncidentWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: activityDeps(config, email, logger),
  });
  logger.info({ taskQueue: config.temporal.taskQueue, address: config.temporal.address }, 'worker polling');
  await worker.run(); // returns after SIGINT/SIGTERM and a graceful shutdown
  await connection.close();
  await email.close();
}

main().catch((err: Error) => {
  console.error(`worker: ${err.message}`);
  process.exit(1);
});
