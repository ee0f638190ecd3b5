import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { captured } from '../hooks/captured-output';
import { fileJourneyModes, readJourneys, switchJourney } from '../journeys/journeys-file';
import { WatchConfig } from '../expiry/watch-config';
import { ConfigError, loadConfig } from '../config/env';
import {
  decideWatchAction,
  isAtLeastAsSevere,
  watchFingerprint,
  type ExpiryObservation,
} from '../domain/expiry';
import { journeysRoutes } from '../gateway/routes/journeys';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-26T12:00:00Z');
const T = {
  warnBeforeMs: 72 * HOUR,
  escalateBeforeMs: 24 * HOUR,
  warnSeverity: 'sev3',
  escalateSeverity: 'sev1',
} as const;

function observation(msLeft: number, extra: Partial<ExpiryObservation> = {}): ExpiryObservation {
  return {
    source: 'tls',
    subject: 'api.shop.test:443',
    label: 'TLS certificate of api.shop.test:443',
    pattern: 'certificate-chain',
    region: 'global',
    expiresAt: new Date(NOW + msLeft).toISOString(),
    ...extra,
  };
}

describe('expiry judgement (domain/expiry.ts)', () => {
  it('warns at exactly 72 h left and not a millisecond before', () => {
    assert.equal(decideWatchAction(observation(72 * HOUR + 1), NOW, T).level, 'ok');
    const warning = decideWatchAction(observation(72 * HOUR), NOW, T);
    assert.equal(warning.level, 'warning');
    assert.equal(warning.alert?.severity, 'sev3');
    assert.match(
      warning.alert?.description ?? '',
      /^Expires at 2026-11-29T12:00:00.000Z \(in 3d, as of 2026-11-26T12:00:00.000Z\)\./,
    );
  });

  it('escalates at 24 h with the same fingerprint, and says when it has expired', () => {
    const warning = decideWatchAction(observation(30 * HOUR), NOW, T);
    const critical = decideWatchAction(observation(24 * HOUR), NOW, T);
    assert.equal(critical.level, 'critical');
    assert.equal(critical.alert?.severity, 'sev1');
    assert.equal(critical.alert?.fingerprint, warning.alert?.fingerprint);
    assert.equal(critical.alert?.title, 'TLS certificate of api.shop.test:443 expires within 24 h');
    const expired = decideWatchAction(observation(-2 * HOUR), NOW, T);
    assert.equal(expired.alert?.title, 'TLS certificate of api.shop.test:443 has expired');
    assert.match(expired.alert?.description ?? '', /\(2h ago, as of/);
  });

  it('opens a lockout for an invalid chain whatever the expiry, and nothing for an unchecked endpoint', () => {
    const invalid = decideWatchAction(
      observation(300 * HOUR, { invalid: { code: 'SELF_SIGNED_CERT_IN_CHAIN', reason: 'untrusted root' } }),
      NOW,
      T,
    );
    assert.equal(invalid.level, 'invalid');
    assert.equal(invalid.alert?.severity, 'sev1');
    assert.equal(invalid.alert?.labels?.validationError, 'SELF_SIGNED_CERT_IN_CHAIN');
    const unchecked = decideWatchAction(observation(1 * HOUR, { unchecked: 'ETIMEDOUT' }), NOW, T);
    assert.deepEqual([unchecked.level, unchecked.alert], ['unchecked', undefined]);
  });

  it('makes fingerprints the intake accepts from any subject', () => {
    assert.equal(watchFingerprint('tls', 'api.shop.test:443'), 'watch-tls-api.shop.test:443');
    assert.equal(
      watchFingerprint('salesforce-token', 'prod user/EU #1'),
      'watch-salesforce-token-prod-user-EU-1',
    );
    assert.equal(watchFingerprint('tls', 'x'.repeat(300)).length, 128);
  });

  it('ranks severities: sev1 is the most severe', () => {
    assert.equal(isAtLeastAsSevere('sev1', 'sev3'), true);
    assert.equal(isAtLeastAsSevere('sev3', 'sev3'), true);
    assert.equal(isAtLeastAsSevere('sev2', 'sev1'), false);
  });
});

describe('watch configuration', () => {
  it('defaults to hourly, 72 h and 24 h, sev3 then sev1', () => {
    const c = WatchConfig.parse({});
    assert.deepEqual(
      [c.every, c.warnBefore, c.escalateBefore, c.warnSeverity, c.escalateSeverity],
      ['1h', '72h', '24h', 'sev3', 'sev1'],
    );
  });
  it('names the field of every problem', () => {
    const result = WatchConfig.safeParse({
      escalateBefore: '3d',
      tls: {
        endpoints: [
          { host: 'a.test' },
          { host: 'a.test', port: 443 },
          { host: 'b.test', port: 70000, region: 'asia' },
        ],
      },
    });
    assert.equal(result.success, false);
    const problems = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    assert.ok(
      problems.some((p) => p.startsWith('tls.endpoints.2.port: ')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.startsWith('tls.endpoints.2.region: ')),
      problems.join('\n'),
    );
    // Cross-field checks run once each field is valid on its own.
    const cross = WatchConfig.safeParse({
      escalateBefore: '3d',
      tls: { endpoints: [{ host: 'a.test' }, { host: 'a.test', port: 443 }] },
    });
    assert.deepEqual(
      cross.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      [
        'escalateBefore: must be shorter than warnBefore (72h)',
        'tls.endpoints.1: a.test:443 is listed twice',
      ],
    );
  });
});

describe('captured hook output', () => {
  it('keeps short output whole and takes secrets out', () => {
    assert.equal(captured('token abcd1234 ok', ['abcd1234']), 'token [redacted] ok');
    assert.equal(captured('short a ok', ['a']), 'short a ok');
  });
});

describe('continuity configuration (environment)', () => {
  it('reads regions, the worker role and the hook allow-list, and names bad values', () => {
    const c = loadConfig({
      LOCKOUT_WORKER_MAIN: 'false',
      LOCKOUT_WORKER_REGIONS: 'eu',
      LOCKOUT_HOOK_COMMANDS: '/usr/local/bin/a, /opt/b',
    });
    assert.deepEqual(c.workers, { main: false, regions: ['eu'] });
    assert.deepEqual(c.continuity.hookCommands, ['/usr/local/bin/a', '/opt/b']);
    assert.deepEqual(loadConfig({ LOCKOUT_WORKER_REGIONS: 'none' }).workers.regions, []);
    assert.throws(
      () => loadConfig({ LOCKOUT_WORKER_REGIONS: 'eu,apac', LOCKOUT_HOOK_COMMANDS: 'reload-proxy' }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.includes('LOCKOUT_WORKER_REGIONS.1: each region must be one of eu, us') &&
        err.problems.some((p) =>
          p.startsWith('LOCKOUT_HOOK_COMMANDS.0: each program must be an absolute path'),
        ),
    );
  });
});

describe('journeys file and GET /journeys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lockout-journeys-unit-'));

  it('serves all-normal before any switch, and 503 (never a guess) when the file is corrupt', async () => {
    const file = join(dir, 'journeys.json');
    const app = Fastify();
    await app.register(journeysRoutes, { modes: fileJourneyModes(file) });
    const fresh = await app.inject({ method: 'GET', url: '/journeys' });
    assert.equal(fresh.statusCode, 200);
    assert.deepEqual(
      Object.values(fresh.json<{ journeys: Record<string, { mode: string }> }>().journeys).map((j) => j.mode),
      ['normal', 'normal', 'normal'],
    );

    writeFileSync(file, '{"updatedAt": "yesterday"');
    const corrupt = await app.inject({ method: 'GET', url: '/journeys' });
    assert.equal(corrupt.statusCode, 503);
    assert.match(corrupt.json<{ error: string }>().error, /keep the last known modes/);
    await app.close();
  });

  it('refuses to switch over a corrupt file instead of overwriting it', async () => {
    const file = join(dir, 'corrupt.json');
    writeFileSync(file, 'not json');
    await assert.rejects(
      switchJourney(file, {
        journey: 'product-discovery',
        mode: 'fallback',
        incidentId: 'lockout-x',
        step: 's',
      }),
      /corrupt\.json: not JSON/,
    );
  });

  it('loses no switch when worker processes sharing the file switch at the same moment', async function () {
    this.timeout(60_000);
    const file = join(dir, 'shared', 'journeys.json');
    const script = join(__dirname, 'helpers', 'switch-journey.ts');
    const journeys = ['checkout-validation', 'account-management', 'product-discovery'];
    const codes = await Promise.all(
      journeys.map(
        (journey) =>
          new Promise<number | null>((resolve) => {
            const child = spawn(process.execPath, ['--require', 'tsx/cjs', script, file, journey, '9'], {
              stdio: ['ignore', 'ignore', 'inherit'],
            });
            child.once('close', resolve);
          }),
      ),
    );
    assert.deepEqual(codes, [0, 0, 0]);
    const doc = await readJourneys(file);
    // Each process's last switch (step switch-0, fallback) survived the other processes' writes.
    assert.deepEqual(
      Object.values(doc.journeys).map((j) => `${j.mode} ${j.step}`),
      ['fallback switch-0', 'fallback switch-0', 'fallback switch-0'],
    );
    assert.equal(existsSync(`${file}.lock`), false);
  });

  it('fills in a journey the file does not know yet as normal', async () => {
    const file = join(dir, 'partial.json');
    writeFileSync(
      file,
      JSON.stringify({
        updatedAt: '2026-11-26T12:00:00.000Z',
        journeys: {
          'checkout-validation': {
            mode: 'fallback',
            since: '2026-11-26T12:00:00.000Z',
            by: 'incident lockout-x step s',
          },
        },
      }),
    );
    const doc = await readJourneys(file);
    assert.equal(doc.journeys['checkout-validation'].mode, 'fallback');
    assert.equal(doc.journeys['account-management'].mode, 'normal');
  });
});
