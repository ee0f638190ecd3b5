/**
 * Which key ring this process uses, from configuration (docs/privacy.md):
 * LOCKOUT_CODEC_KEYS (JSON text) or LOCKOUT_CODEC_KEYS_FILE; without either, outside production,
 * the development key ring that `npm start` makes under the data directory on its first run.
 * In production (LOCKOUT_PRODUCTION=true) nothing starts without configured keys.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/env';
import {
  CodecKeyError,
  environmentKeyProvider,
  fileKeyProvider,
  type KeyProvider,
  type KeyRing,
} from './key-ring';

/** The development key ring `npm start` makes: `<data dir>/codec-keys.json`, mode 0600. */
export const DEV_KEY_RING_FILE = 'codec-keys.json';

export function devKeyRingPath(config: Pick<Config, 'dataDir'>): string {
  return join(config.dataDir, DEV_KEY_RING_FILE);
}

/** The configured provider, or undefined when no keys are configured. */
export function configuredKeyProvider(
  config: Pick<Config, 'codec'>,
  env: NodeJS.ProcessEnv = process.env,
): KeyProvider | undefined {
  if (config.codec.keys && config.codec.keysFile)
    throw new CodecKeyError('set LOCKOUT_CODEC_KEYS or LOCKOUT_CODEC_KEYS_FILE, not both');
  if (config.codec.keys) return environmentKeyProvider('LOCKOUT_CODEC_KEYS', env);
  if (config.codec.keysFile) return fileKeyProvider(config.codec.keysFile);
  return undefined;
}

export function keyProviderFor(
  config: Pick<Config, 'codec' | 'dataDir' | 'production'>,
  env: NodeJS.ProcessEnv = process.env,
): KeyProvider {
  const configured = configuredKeyProvider(config, env);
  if (configured) return configured;
  if (config.production)
    throw new CodecKeyError(
      'LOCKOUT_PRODUCTION=true and no payload encryption keys are configured: set LOCKOUT_CODEC_KEYS_FILE (or LOCKOUT_CODEC_KEYS) to a key ring (docs/privacy.md)',
    );
  const dev = devKeyRingPath(config);
  if (!existsSync(dev))
    throw new CodecKeyError(
      `no payload encryption keys: run \`npm start\` once (it makes a development key ring, ${dev}), or set LOCKOUT_CODEC_KEYS_FILE (docs/privacy.md)`,
    );
  return fileKeyProvider(dev);
}

export function loadCodecKeys(config: Pick<Config, 'codec' | 'dataDir' | 'production'>): Promise<KeyRing> {
  return keyProviderFor(config).load();
}
