/** The intake as the gateway and CLI use it: current runbooks from disk, a Temporal client. */
import type { Client } from '@temporalio/client';
import type { Config } from '../config/env';
import { dirStamp, live } from '../config/live';
import type { Logger } from '../config/logger';
import { loadRunbooks } from '../config/runbooks';
import type { IntakeOptions } from '../intake/open-incident';

export function intakeFromConfig(config: Config, client: Client, logger?: Logger): IntakeOptions {
  return {
    client,
    taskQueue: config.temporal.taskQueue,
    runbooks: live(
      () => dirStamp(config.runbooksDir),
      () => loadRunbooks(config.runbooksDir).map((r) => r.runbook),
      (err) =>
        logger?.error({ err: err.message }, 'runbooks have errors; still using the last good versions'),
    ),
  };
}
