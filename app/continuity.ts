/** Continuity dependencies (expiry watch, hooks, journeys) from configuration, for the worker and the CLI. */
import type { Config } from '../config/env';
import { live, mtimeStamp } from '../lib/live';
import type { Logger } from '../lib/logger';
import type { ContinuityDeps } from '../activities/continuity-deps';
import { tlsExpirySource, type ExpirySource } from '../expiry/expiry-sources';
import { loadHooksConfig } from '../hooks/hooks-config';
import { loadWatchConfig } from '../expiry/watch-config';

export function continuityDeps(
  config: Config,
  options: {
    logger?: Logger;
    raiseAlert?: ContinuityDeps['raiseAlert'];
    extraSources?: ExpirySource[];
    journeyModes?: ContinuityDeps['journeyModes'];
  } = {},
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
    raiseAlert: options.raiseAlert,
    hooks: live(
      () => mtimeStamp(hooksFile),
      () => loadHooksConfig(hooksFile),
      report(hooksFile),
    ),
    allowedCommands: config.continuity.hookCommands,
    secrets: process.env,
    journeysFile: config.continuity.journeysFile,
    journeyModes: options.journeyModes,
  };
}
