/**
 * `npm run worker`: a worker process on its own, for deployments where Temporal, the gateway and
 * workers run separately (docker-compose, Kubernetes). Configured by environment (docs/configuration.md).
 */
import { loadConfig } from '../config/env';
import { createLogger } from '../lib/logger';
import { connectWorker } from '../app/worker-connection';
import { activityDeps } from '../app/activity-deps';
import { setUpEmail, smsDescription } from '../app/email';
import { createConfiguredWorkers } from '../app/workers';
import { installRuntime } from '../app/runtime';
import { sharedState } from '../app/shared-state';
import { storeFromConfig } from '../app/store';
import { loadCodecKeys } from '../temporal/codec-keys';
import { startTracing } from '../lib/tracing';
import { describeAllocator, keepAllocatorToThisProcess, processAllocator } from '../lib/allocator';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'worker');
  installRuntime(logger, config.logLevel, config.workerMetricsAddress);
  const tracing = startTracing('lockout-worker');
  const allocator = processAllocator();
  keepAllocatorToThisProcess();
  logger.info({ allocator: allocator.name }, `memory allocator: ${describeAllocator(allocator)}`);
  if (tracing) logger.info({ traces: tracing.endpoint }, 'OpenTelemetry traces');
  if (config.workerMetricsAddress)
    logger.info(
      { metrics: `http://${config.workerMetricsAddress}/metrics` },
      'worker metrics for Prometheus',
    );
  const email = await setUpEmail(config);
  logger.info({ email: email.mode }, email.description);
  logger.info({ twilio: Boolean(config.twilio) }, smsDescription(config));
  const keys = await loadCodecKeys(config);
  logger.info({ keys: keys.describe() }, 'payload encryption keys');
  const connection = await connectWorker(config, keys);
  // Several workers share the sent ledger, outbox, journey modes and Salesforce limits through
  // PostgreSQL (docs/production.md); without LOCKOUT_DATABASE_URL they stay in the data directory.
  const store = config.store.kind === 'postgresql' ? await storeFromConfig(config, logger) : undefined;
  if (!store)
    logger.warn(
      {},
      "sent ledger, outbox and journey modes are kept in this host's data directory: set LOCKOUT_DATABASE_URL before running more than one worker",
    );
  const { deps, close: closeDeps } = activityDeps(
    config,
    email,
    logger,
    keys,
    store && sharedState(store, config),
  );
  const { workers, descriptions, warnings } = await createConfiguredWorkers(config, connection, deps);
  for (const line of warnings) logger.warn({}, line);
  for (const line of descriptions) logger.info({ server: config.temporal.address }, `worker: ${line}`);
  // Each worker returns after SIGINT/SIGTERM and a graceful shutdown.
  await Promise.all(workers.map((w) => w.run()));
  await closeDeps();
  await store?.close();
  await connection.close();
  await email.close();
  await tracing?.shutdown();
}

main().catch((err: Error) => {
  console.error(`worker: ${err.message}`);
  process.exit(1);
});
