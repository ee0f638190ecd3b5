/**
 * A new user's first `npm start` should take alerts at once. For each source whose bearer token
 * comes from an environment variable that is not set, `npm start` makes a token, keeps it in
 * `<data dir>/source-tokens.json` (mode 0600, the same tokens after a restart) and sets the
 * variable for this process. Never in production mode (LOCKOUT_PRODUCTION=true, set in
 * docker-compose) and never by `npm run gateway`: there a source without a secret refuses.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { loadYamlFile } from '../lib/yaml-file';
import { SourcesFile } from '../gateway/sources-file';

export const TOKENS_FILE = 'source-tokens.json';

const Saved = z.record(z.string(), z.string().min(16));

export interface FirstRunTokens {
  file: string;
  /** Variables this start set from the file (made now or earlier). */
  set: string[];
}

export function ensureFirstRunTokens(
  options: { sourcesFile: string; dataDir: string; production: boolean },
  env: NodeJS.ProcessEnv = process.env,
): FirstRunTokens | undefined {
  if (options.production) return undefined;
  const { sourcesFile, dataDir } = options;
  const sources = loadYamlFile(sourcesFile, SourcesFile).sources;
  const wanted = Object.values(sources).flatMap((s) =>
    s.auth === 'bearer' ? s.token.flatMap((ref) => ('env' in ref ? [ref.env] : [])) : [],
  );
  const missing = wanted.filter((name) => !env[name]?.trim());
  if (!missing.length) return undefined;

  const file = join(dataDir, TOKENS_FILE);
  let saved: Record<string, string> = {};
  if (existsSync(file)) {
    let content: unknown;
    try {
      content = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      content = undefined;
    }
    const parsed = Saved.safeParse(content);
    if (!parsed.success) throw new Error(`${file} is not a token file: delete it to make new tokens`);
    saved = parsed.data;
  }
  for (const name of missing) saved[name] ??= randomBytes(24).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode otherwise
  for (const name of missing) env[name] = saved[name];
  return { file, set: missing };
}

/** What to paste to try it: no token is printed, each is read from the file. */
export function firstRunHints(tokens: FirstRunTokens, publicUrl: string): string[] {
  const read = (name: string) => `$(node -p "require('${tokens.file}').${name}")`;
  const lines = [`Tokens for alert sources: ${tokens.file} (mode 0600; kept across restarts)`];
  if (tokens.set.includes('LOCKOUT_GENERIC_TOKEN'))
    lines.push(
      'Send a test alert:',
      `  curl -X POST ${publicUrl}/alerts/generic -H "authorization: Bearer ${read('LOCKOUT_GENERIC_TOKEN')}" \\`,
      `    -H 'content-type: application/json' -d '{"title": "Salesforce API certificate chain invalid", "severity": "sev1"}'`,
    );
  if (tokens.set.includes('LOCKOUT_ALERTMANAGER_TOKEN'))
    lines.push(
      'Alertmanager receiver (alertmanager.yml; the token is LOCKOUT_ALERTMANAGER_TOKEN in that file):',
      '  receivers:',
      '    - name: lockout',
      '      webhook_configs:',
      `        - url: ${publicUrl}/alerts/alertmanager`,
      '          send_resolved: true',
      '          http_config:',
      '            authorization: { type: Bearer, credentials_file: /etc/alertmanager/lockout-token }',
    );
  return lines;
}
