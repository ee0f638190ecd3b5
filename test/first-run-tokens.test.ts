/** `npm start`'s first run: tokens for the alert sources, kept across restarts, never in production. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureFirstRunTokens, firstRunHints } from '../app/first-run-tokens';
import { loadSources } from '../gateway/sources-file';

const SOURCES = join(__dirname, '..', 'config', 'sources.yaml');
const VARS = [
  'LOCKOUT_ALERTMANAGER_TOKEN',
  'LOCKOUT_PAGERDUTY_TOKEN',
  'LOCKOUT_DATADOG_TOKEN',
  'LOCKOUT_GENERIC_TOKEN',
];

describe('first-run source tokens (npm start)', () => {
  it('makes a token per unset source, in a 0600 file, the same after a restart; the gateway takes them', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'first-run-'));
    const env: NodeJS.ProcessEnv = { LOCKOUT_DATADOG_TOKEN: 'set-by-the-user-0123456789' };
    const made = ensureFirstRunTokens({ sourcesFile: SOURCES, dataDir, production: false }, env)!;
    assert.deepEqual(made.set.sort(), VARS.filter((v) => v !== 'LOCKOUT_DATADOG_TOKEN').sort());
    assert.equal(statSync(made.file).mode & 0o777, 0o600);
    assert.equal(env.LOCKOUT_DATADOG_TOKEN, 'set-by-the-user-0123456789', "the user's own token is kept");
    const saved = JSON.parse(readFileSync(made.file, 'utf8')) as Record<string, string>;
    assert.equal(saved.LOCKOUT_DATADOG_TOKEN, undefined);
    for (const name of made.set) assert.equal(env[name], saved[name]);

    const again: NodeJS.ProcessEnv = { LOCKOUT_DATADOG_TOKEN: 'set-by-the-user-0123456789' };
    ensureFirstRunTokens({ sourcesFile: SOURCES, dataDir, production: false }, again);
    for (const name of made.set) assert.equal(again[name], env[name], `${name} survives a restart`);

    const auth = loadSources(SOURCES, env).auth;
    assert.deepEqual(auth.generic, { mode: 'bearer', tokens: [env.LOCKOUT_GENERIC_TOKEN] });
    const hints = firstRunHints(made, 'http://127.0.0.1:8080').join('\n');
    assert.match(hints, /curl -X POST http:\/\/127\.0\.0\.1:8080\/alerts\/generic/);
    assert.match(hints, /webhook_configs:/);
    for (const name of made.set) assert.ok(!hints.includes(env[name]!), 'no token is printed');
  });

  it('makes nothing in production: a source without a token still refuses', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'first-run-prod-'));
    const env: NodeJS.ProcessEnv = {};
    assert.equal(ensureFirstRunTokens({ sourcesFile: SOURCES, dataDir, production: true }, env), undefined);
    assert.deepEqual(env, {});
    assert.deepEqual(loadSources(SOURCES, env).auth.generic, { mode: 'unavailable' });
  });

  it('refuses a damaged token file, saying what to do, instead of making new tokens silently', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'first-run-bad-'));
    writeFileSync(join(dataDir, 'source-tokens.json'), '{"LOCKOUT_GENERIC_TOKEN": 42}');
    assert.throws(
      () => ensureFirstRunTokens({ sourcesFile: SOURCES, dataDir, production: false }, {}),
      /not a token file: delete it to make new tokens/,
    );
  });
});
