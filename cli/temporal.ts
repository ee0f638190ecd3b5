/** Temporal access for CLI commands, with failures turned into messages a responder can act on. */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { loadConfig, type Config } from '../config/env';
import { connectClient } from '../client/connection';
import { CliError } from './output';
import { loadCodecKeys } from '../temporal/codec-keys';
import type { KeyRing } from '../temporal/key-ring';

export async function withClient<T>(fn: (client: Client, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  let keys: KeyRing;
  try {
    keys = await loadCodecKeys(config);
  } catch (err) {
    throw new CliError(`payload encryption keys: ${(err as Error).message}`);
  }
  let client: Client;
  try {
    client = await connectClient(config, { keys });
  } catch (err) {
    throw new CliError(
      `cannot reach Temporal at ${config.temporal.address} (${(err as Error).message.split('\n')[0]}). ` +
        'Is `npm start` running? Set TEMPORAL_ADDRESS for another server.',
    );
  }
  try {
    return await fn(client, config);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new CliError(`no incident "${err.workflowId}": check the id with \`lockout list --all\``);
    throw err;
  } finally {
    await client.connection.close();
  }
}

/** Accepts `lockout-abc` or just `abc`. */
export { incidentIdFromArg as incidentId } from '../client/ids';
