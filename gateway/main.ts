/** `npm run gateway`: the HTTP gateway on its own (docker-compose, Kubernetes). */
import { loadConfig, webUiLink } from '../config/env';
import { createLogger } from '../config/logger';
import { connectClient } from '../temporal/connection';
import { intakeFromConfig } from './intake-setup';
import { buildGateway } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'gateway');
  const client = await connectClient(config);
  const app = buildGateway({
    intake: intakeFromConfig(config, client, logger),
    webUiLink: (id) => webUiLink(config, id),
    logger,
    journeysFile: config.continuity.journeysFile,
  });
  await app.listen({ host: config.gateway.host, port: config.gateway.port });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void app.close().then(() => client.connection.close());
    });
  }
}

main().catch((err: Error) => {
  console.error(`gateway: ${err.message}`);
  process.exit(1);
});
