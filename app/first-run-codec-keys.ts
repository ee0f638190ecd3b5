/**
 * Like the first-run source tokens (app/first-run-tokens.ts): when no key ring is configured,
 * `npm start` makes a development one, `<data dir>/codec-keys.json` (mode 0600, kept across
 * restarts, one global key and one per data region), so a new user's first start encrypts what
 * Temporal stores without any set-up. Never in production mode: there `npm start` refuses to
 * run without configured keys (temporal/codec-keys.ts).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '../config/env';
import { DATA_REGIONS } from '../domain/regions';
import { configuredKeyProvider, devKeyRingPath } from '../temporal/codec-keys';
import type { KeyRingFile } from '../temporal/key-ring';

/** The file made now, or undefined when keys are configured, it already exists, or in production. */
export function ensureDevKeyRing(
  config: Pick<Config, 'codec' | 'dataDir' | 'production'>,
): string | undefined {
  if (config.production || configuredKeyProvider(config)) return undefined;
  const file = devKeyRingPath(config);
  if (existsSync(file)) return undefined;
  const made = new Date().toISOString().slice(0, 10);
  const ring: KeyRingFile = {
    keys: (['global', ...DATA_REGIONS] as const).map((region) => ({
      id: `dev-${region}-${made}`,
      region,
      key: randomBytes(32).toString('base64'),
    })),
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(ring, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return file;
}
