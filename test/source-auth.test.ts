import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSources } from '../gateway/sources-file';
import { FileProblems } from '../lib/yaml-file';
import { authenticate, signBody, type SourceAuth } from '../gateway/auth';
import { ReplayGuard } from '../gateway/replay-guard';

const BODY = Buffer.from('{"title":"Certificate chain invalid"}');
const NOW = Date.parse('2026-11-26T03:00:00Z');
const TS = String(NOW / 1000);

function tempFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sources-')), name);
  writeFileSync(file, text);
  return file;
}

describe('alert source authentication', () => {
  describe('bearer token', () => {
    const auth: SourceAuth = { mode: 'bearer', tokens: ['old-token-1234', 'new-token-5678'] };

    it('accepts any configured token (rotation)', () => {
      assert.deepEqual(authenticate(auth, { authorization: 'Bearer new-token-5678' }, BODY), { ok: true });
      assert.deepEqual(authenticate(auth, { authorization: 'bearer old-token-1234' }, BODY), { ok: true });
    });

    it('refuses a missing, malformed or wrong token, saying which', () => {
      const missing = authenticate(auth, {}, BODY);
      assert.equal(missing.ok, false);
      assert.equal(!missing.ok && missing.reason, 'missing-credentials');
      const basic = authenticate(auth, { authorization: 'Basic dXNlcjpwYXNz' }, BODY);
      assert.equal(!basic.ok && basic.reason, 'missing-credentials');
      const wrong = authenticate(auth, { authorization: 'Bearer new-token-5679' }, BODY);
      assert.equal(!wrong.ok && wrong.reason, 'bad-credentials');
      const prefix = authenticate(auth, { authorization: 'Bearer new-token' }, BODY);
      assert.equal(!prefix.ok && prefix.reason, 'bad-credentials');
      // The refusal never echoes a secret.
      assert.doesNotMatch(JSON.stringify(wrong), /token-5678|token-1234/);
    });
  });

  describe('HMAC signature with a replay window', () => {
    const auth: SourceAuth = { mode: 'hmac', secrets: ['s3cret-signing-key'], replayWindowMs: 300_000 };
    const headers = (signature: string, timestamp = TS) => ({
      'x-lockout-timestamp': timestamp,
      'x-lockout-signature': signature,
    });

    it('accepts the signature of the exact body and timestamp', () => {
      const signature = signBody('s3cret-signing-key', TS, BODY);
      assert.match(signature, /^sha256=[0-9a-f]{64}$/);
      const accepted = {
        ok: true,
        signed: { signature, timestampMs: Number(TS) * 1000, windowMs: 300_000 },
      };
      assert.deepEqual(authenticate(auth, headers(signature), BODY, NOW), accepted);
      // Four minutes late is inside the five-minute window.
      assert.deepEqual(authenticate(auth, headers(signature), BODY, NOW + 240_000), accepted);
    });

    it('remembers each signature while its timestamp is inside the window, and no longer', () => {
      const guard = new ReplayGuard();
      const at = Number(TS) * 1000;
      assert.equal(guard.claim('sig-a', at, 300_000, at), true);
      assert.equal(guard.claim('sig-a', at, 300_000, at + 299_000), false, 'a replay inside the window');
      assert.equal(guard.claim('sig-b', at, 300_000, at + 1_000), true, 'another request');
      guard.release('sig-b');
      assert.equal(guard.claim('sig-b', at, 300_000, at + 2_000), true, 'released: may be retried');
      // Once the timestamp is out of the window, authentication refuses it anyway: forgotten.
      assert.equal(guard.claim('sig-c', at + 301_000, 300_000, at + 301_000), true);
      assert.equal(guard.size, 1);
      const small = new ReplayGuard(2);
      for (const s of ['1', '2', '3']) small.claim(s, at, 300_000, at);
      assert.equal(small.size, 2, 'bounded: the oldest is forgotten first');
      assert.equal(small.claim('3', at, 300_000, at), false);
    });

    it('refuses a changed body, another timestamp, or another secret', () => {
      const signature = signBody('s3cret-signing-key', TS, BODY);
      const changed = authenticate(auth, headers(signature), Buffer.from('{"title":"x"}'), NOW);
      assert.equal(!changed.ok && changed.reason, 'bad-credentials');
      const moved = authenticate(auth, headers(signature, String(Number(TS) + 1)), BODY, NOW);
      assert.equal(!moved.ok && moved.reason, 'bad-credentials');
      const other = authenticate(auth, headers(signBody('another-key', TS, BODY)), BODY, NOW);
      assert.equal(!other.ok && other.reason, 'bad-credentials');
    });

    it('refuses a replay outside the window, in the past or the future', () => {
      const signature = signBody('s3cret-signing-key', TS, BODY);
      const late = authenticate(auth, headers(signature), BODY, NOW + 301_000);
      assert.equal(!late.ok && late.reason, 'stale-timestamp');
      assert.match(!late.ok ? late.message : '', /301s away from the gateway's clock; the window is 300s/);
      const early = authenticate(auth, headers(signature), BODY, NOW - 301_000);
      assert.equal(!early.ok && early.reason, 'stale-timestamp');
    });

    it('refuses missing or malformed headers', () => {
      const missing = authenticate(auth, { 'x-lockout-timestamp': TS }, BODY, NOW);
      assert.equal(!missing.ok && missing.reason, 'missing-credentials');
      const iso = authenticate(auth, headers('sha256=00', '2026-11-26T03:00:00Z'), BODY, NOW);
      assert.equal(!iso.ok && iso.reason, 'missing-credentials');
      assert.match(!iso.ok ? iso.message : '', /must be Unix seconds/);
    });
  });

  it('refuses everything for a source that is not configured or lacks its secret', () => {
    for (const auth of [undefined, { mode: 'unavailable' } as const]) {
      const result = authenticate(auth, { authorization: 'Bearer anything' }, BODY);
      assert.equal(!result.ok && result.reason, 'not-configured');
    }
    assert.deepEqual(authenticate({ mode: 'none' }, {}, BODY), { ok: true });
  });

  describe('config/sources.yaml', () => {
    it('reads secrets from environment variables and files, never from the file itself', () => {
      const secretFile = tempFile('pd-token', 'token-from-file\n');
      const file = tempFile(
        'sources.yaml',
        [
          'sources:',
          '  alertmanager:',
          '    auth: bearer',
          '    token: [{ env: AM_TOKEN_OLD }, { env: AM_TOKEN_NEW }]',
          '  pagerduty:',
          '    auth: bearer',
          `    token: { file: ${secretFile} }`,
          '  datadog:',
          '    auth: hmac',
          '    secret: { env: DD_SECRET }',
          '    replayWindow: 2m',
          '  generic:',
          '    auth: none',
        ].join('\n'),
      );
      const { auth, summary } = loadSources(file, { AM_TOKEN_NEW: 'am-new', DD_SECRET: 'dd-secret' });
      assert.deepEqual(auth.alertmanager, { mode: 'bearer', tokens: ['am-new'] });
      assert.deepEqual(auth.pagerduty, { mode: 'bearer', tokens: ['token-from-file'] });
      assert.deepEqual(auth.datadog, { mode: 'hmac', secrets: ['dd-secret'], replayWindowMs: 120_000 });
      assert.deepEqual(auth.generic, { mode: 'none' });
      assert.deepEqual(summary, [
        'alertmanager: bearer token (not set: environment variable AM_TOKEN_OLD)',
        'pagerduty: bearer token',
        'datadog: HMAC signature',
        'generic: UNAUTHENTICATED (auth: none)',
      ]);
      assert.doesNotMatch(summary.join('\n'), /am-new|token-from-file|dd-secret/);
    });

    it('refuses every request of a source whose secret is missing, and lists unconfigured sources', () => {
      const file = tempFile(
        'sources.yaml',
        'sources:\n  generic:\n    auth: bearer\n    token: { env: NOT_SET }\n',
      );
      const { auth, summary } = loadSources(file, {});
      assert.deepEqual(auth.generic, { mode: 'unavailable' });
      assert.equal(auth.alertmanager, undefined);
      assert.ok(
        summary.includes(
          'generic: bearer secret missing (environment variable NOT_SET), every request refused',
        ),
      );
      assert.ok(summary.includes('datadog: not configured, every request refused'));
    });

    it('reports a wrong file with line, field and reason', () => {
      const file = tempFile(
        'sources.yaml',
        [
          'sources:',
          '  nagios:',
          '    auth: none',
          '  generic:',
          '    auth: hmac',
          '    secret: { env: X }',
          '    replayWindow: soon',
        ].join('\n'),
      );
      assert.throws(
        () => loadSources(file, {}),
        (err: unknown) => {
          assert.ok(err instanceof FileProblems);
          assert.match(err.message, /sources\.yaml:2 {2}sources: unknown field\(s\) nagios/);
          assert.match(
            err.message,
            /sources\.yaml:7 {2}sources\.generic\.replayWindow: "soon" is not a duration/,
          );
          return true;
        },
      );
    });
  });
});
