/** Continuity dependencies from configuration, for the worker and the CLI. */
import type { Config } from '../config/env';
import { live, mtimeStamp } from '../config/live';
import type { Logger } from '../config/logger';
import type { IntakeOptions } from '../intake/open-incident';
import type { ContinuityDeps } from './deps';
import { tlsExpirySource, type ExpirySource } from './expiry-sources';
import { loadHooksConfig } from './hooks-config';
import { loadWatchConfig } from './watch-config';

export function continuityDeps(
  config: Config,
  options: { logger?: Logger; intake?: IntakeOptions; extraSources?: ExpirySource[] } = {},
): ContinuityDeps {
  const report = (what: string) => (err: Error) =>
    options.logger?.error({ err: err.message }, `${what} has errors; still using the last good version`);
  const { watchFile, hooksFile } = config.continuity;
  const watchConfig = live(
    () => mtimeStamp(watchFile),
    () => loadWatchConfig(watchFile),
    report(watchFile),
  );
  return {
    watchConfig,
    expirySources: [tlsExpirySource(watchConfig), ...(options.extraSources ?? [])],
    intake: options.intake,
    hooks: live(
      () => mtimeStamp(hooksFile),
      () => loadHooksConfig(hooksFile),
      report(hooksFile),
    ),
    allowedCommands: config.continuity.hookCommands,
    secrets: process.env,
    journeysFile: config.continuity.journeysFile,
  };
}
