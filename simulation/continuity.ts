/** Continuity dependencies for a simulation: nothing watched, no hooks, journeys in a scratch dir. */
import { join } from 'node:path';
import type { ContinuityDeps } from '../activities/continuity-deps';
import { tlsExpirySource } from '../expiry/expiry-sources';
import { HooksConfig } from '../hooks/hooks-config';
import { WatchConfig } from '../expiry/watch-config';

export function continuityDefaults(dataDir: string): ContinuityDeps {
  const watch = WatchConfig.parse({});
  const hooks = HooksConfig.parse({});
  return {
    watchConfig: () => watch,
    expirySources: [tlsExpirySource(() => watch)],
    hooks: () => hooks,
    allowedCommands: [],
    secrets: {},
    journeysFile: join(dataDir, 'journeys.json'),
  };
}
