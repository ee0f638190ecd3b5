/** `npm run gateway`: the HTTP gateway on its own (docker-compose, Kubernetes). */
import { loadConfig } from '../config/env';
import { createLogger } from '../lib/logger';
import { connectClient } from '../client/connection';
import { StartOutcomes } from '../client/start-outcomes';
import { gatewayOptionsFromConfig } from '../app/gateway';
import { buildGateway } from '../gateway/server';
import { storeFromConfig } from '../app/store';
import { loadCodecKeys } from '../temporal/codec-keys';
import { startTracing } from '../lib/tracing';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'gateway');
  const tracing = startTracing('lockout-gateway');
  if (tracing) logger.info({ traces: tracing.endpoint }, 'OpenTelemetry traces');
  const store = await storeFromConfig(config, logger);
  if (config.store.kind === 'embedded')
    logger.warn(
      {},
      'the shared store is embedded in this process: set LOCKOUT_DATABASE_URL before running more than one gateway replica',
    );
  const starts = new StartOutcomes();
  const keys = await loadCodecKeys(config);
  logger.info({ keys: keys.describe() }, 'payload encryption keys');
  const client = await connectClient(config, { interceptors: [starts.interceptor], keys });
  const options = gatewayOptionsFromConfig(config, client, logger, store, starts, keys);
  for (const line of options.sourceSummary) {
    const healthy = /: (bearer token|HMAC signature)$/.test(line);
    logger[healthy ? 'info' : 'warn']({}, `alert source ${line}`);
  }
  const app = buildGateway(options);
  await app.listen({ host: config.gateway.host, port: config.gateway.port });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void app
        .close()
        .then(() => client.connection.close())
        .then(() => store.close())
        .then(() => tracing?.shutdown());
    });
  }
}

main().catch((err: Error) => {
  console.error(`gateway: ${err.message}`);
  process.exit(1);
});
