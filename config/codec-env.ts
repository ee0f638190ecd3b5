/**
 * Payload encryption and the codec server, from environment variables (part of config/env.ts).
 * docs/privacy.md explains the key ring; docs/configuration.md lists the variables.
 */
import { z } from 'zod';
import { optionalText, optionalTrimmedText } from './env-fields';

/** Fields merged into the environment schema of config/env.ts. */
export const CODEC_ENV = {
  /** The key ring as JSON text (a secret: prefer the file). */
  LOCKOUT_CODEC_KEYS: optionalText,
  /** A file holding the key ring as JSON. */
  LOCKOUT_CODEC_KEYS_FILE: optionalTrimmedText,
  /** Bearer token for POST /codec/encode|decode (the Temporal CLI, a UI that passes a token). */
  LOCKOUT_CODEC_TOKEN: optionalTrimmedText.pipe(
    z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 32`)').optional(),
  ),
  /** Origins (scheme://host:port) whose Web UI may call the codec server; default TEMPORAL_UI_URL's. */
  LOCKOUT_CODEC_ORIGINS: optionalTrimmedText,
};

export interface CodecSettings {
  /** LOCKOUT_CODEC_KEYS (JSON text), when set. */
  keys?: string;
  keysFile?: string;
  token?: string;
  /** Web UI origins allowed by CORS. */
  uiOrigins: string[];
}

type CodecEnv = { [K in keyof typeof CODEC_ENV]?: z.infer<(typeof CODEC_ENV)[K]> };

/** The Web UI's origin, and its loopback twin (`npm start` prints the UI as 127.0.0.1). */
function defaultOrigins(uiUrl: string): string[] {
  const origin = new URL(uiUrl).origin;
  const twin = origin.includes('//localhost:')
    ? origin.replace('//localhost:', '//127.0.0.1:')
    : origin.replace('//127.0.0.1:', '//localhost:');
  return [...new Set([origin, twin])];
}

export function codecSettings(e: CodecEnv, uiUrl: string): CodecSettings {
  const origins =
    e.LOCKOUT_CODEC_ORIGINS?.split(',').map((o) => o.trim().replace(/\/$/, '')) ?? defaultOrigins(uiUrl);
  return {
    keys: e.LOCKOUT_CODEC_KEYS,
    keysFile: e.LOCKOUT_CODEC_KEYS_FILE,
    token: e.LOCKOUT_CODEC_TOKEN,
    uiOrigins: origins.filter(Boolean),
  };
}
