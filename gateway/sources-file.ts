/**
 * Who may send alerts, and how each source proves it: config/sources.yaml (LOCKOUT_SOURCES).
 * The file names where secrets are (an environment variable or a file), never the secrets.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseDuration } from '../domain/duration';
import type { SourceAuth } from './auth';
import { SOURCE_KINDS, type SourceKind } from '../intake/source-alert';
import { loadYamlFile } from '../lib/yaml-file';

const SecretRef = z.union([
  z
    .object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name') })
    .strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);
type SecretRef = z.infer<typeof SecretRef>;
/** A list allows rotation: the old and the new secret both work until the old one is removed. */
const Secrets = z
  .union([SecretRef, z.array(SecretRef).min(1)])
  .transform((s) => (Array.isArray(s) ? s : [s]));

const ReplayWindow = z.string().transform((text, ctx) => {
  const parsed = parseDuration(text);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed.ms;
});

const SourceConfig = z.discriminatedUnion('auth', [
  z.object({ auth: z.literal('bearer'), token: Secrets }).strict(),
  z
    .object({ auth: z.literal('hmac'), secret: Secrets, replayWindow: ReplayWindow.default(5 * 60_000) })
    .strict(),
  /** Explicitly unauthenticated (a trusted network only); the gateway warns at start. */
  z.object({ auth: z.literal('none') }).strict(),
]);

export const SourcesFile = z
  .object({ sources: z.partialRecord(z.enum(SOURCE_KINDS), SourceConfig).default({}) })
  .strict();
export type SourcesFile = z.infer<typeof SourcesFile>;

export interface ResolvedSources {
  auth: Partial<Record<SourceKind, SourceAuth>>;
  /** One line per source for start-up output and logs, e.g. `generic: bearer token`. */
  summary: string[];
}

function readSecret(ref: SecretRef, env: NodeJS.ProcessEnv): { value?: string; where: string } {
  if ('env' in ref) {
    const value = env[ref.env]?.trim();
    return { value: value || undefined, where: `environment variable ${ref.env}` };
  }
  try {
    const value = readFileSync(ref.file, 'utf8').trim();
    return { value: value || undefined, where: `file ${ref.file}` };
  } catch (err) {
    return { where: `file ${ref.file} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})` };
  }
}

/**
 * Reads the secrets each source names. A source whose secrets are all missing refuses every
 * request (401) rather than stopping the gateway: the other sources keep working.
 */
export function resolveSources(file: SourcesFile, env: NodeJS.ProcessEnv = process.env): ResolvedSources {
  const auth: ResolvedSources['auth'] = {};
  const summary: string[] = [];
  for (const kind of SOURCE_KINDS) {
    const source = file.sources[kind];
    if (!source) {
      summary.push(`${kind}: not configured, every request refused`);
      continue;
    }
    if (source.auth === 'none') {
      auth[kind] = { mode: 'none' };
      summary.push(`${kind}: UNAUTHENTICATED (auth: none)`);
      continue;
    }
    const refs = source.auth === 'bearer' ? source.token : source.secret;
    const read = refs.map((ref) => readSecret(ref, env));
    const secrets = read.flatMap((r) => (r.value ? [r.value] : []));
    const missing = read.filter((r) => !r.value).map((r) => r.where);
    if (secrets.length === 0) {
      auth[kind] = { mode: 'unavailable' };
      summary.push(`${kind}: ${source.auth} secret missing (${missing.join(', ')}), every request refused`);
      continue;
    }
    auth[kind] =
      source.auth === 'bearer'
        ? { mode: 'bearer', tokens: secrets }
        : { mode: 'hmac', secrets, replayWindowMs: source.replayWindow };
    summary.push(
      `${kind}: ${source.auth === 'bearer' ? 'bearer token' : 'HMAC signature'}` +
        (missing.length ? ` (not set: ${missing.join(', ')})` : ''),
    );
  }
  return { auth, summary };
}

export function loadSources(file: string, env: NodeJS.ProcessEnv = process.env): ResolvedSources {
  return resolveSources(loadYamlFile(file, SourcesFile), env);
}
