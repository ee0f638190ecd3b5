import assert from 'node:assert/strict';
import { durationMs, formatDuration, parseDuration } from '../domain/duration';
import { checkAcknowledge, checkResolve } from '../domain/responder-input';
import { selectRunbook } from '../domain/select-runbook';
import { AlertRejected, deriveFingerprint, parseGenericAlert } from '../intake/alerts';
import { shippedRunbooks } from './helpers/incidents';

describe('durations', () => {
  it('parses runbook durations', () => {
    assert.equal(durationMs('15m'), 900_000);
    assert.equal(durationMs('1d12h'), 129_600_000);
    assert.equal(durationMs('72h'), 259_200_000);
  });
  it('explains what is wrong with a bad one', () => {
    for (const bad of ['15', '15 minutes', '-5m', '', 'm15', '0m']) {
      const parsed = parseDuration(bad);
      assert.ok('error' in parsed, bad);
    }
    assert.throws(() => durationMs('soon'), /"soon" is not a duration/);
  });
  it('formats for people', () => {
    assert.equal(formatDuration(90_061_000), '1d 1h');
    assert.equal(formatDuration(45_000), '45s');
    assert.equal(formatDuration(-120_000), '-2m');
  });
});

describe('generic alerts', () => {
  it('normalises with defaults and a stable derived fingerprint', () => {
    const a = parseGenericAlert({ title: 'Token expired' }, new Date('2026-01-01T00:00:00Z'));
    const b = parseGenericAlert({ title: '  token expired ', source: 'generic' });
    assert.equal(a.pattern, 'unclassified');
    assert.equal(a.region, 'global');
    assert.equal(a.severity, undefined);
    assert.equal(a.receivedAt, '2026-01-01T00:00:00.000Z');
    assert.equal(a.fingerprint, b.fingerprint);
    assert.notEqual(
      a.fingerprint,
      deriveFingerprint({ source: 'generic', pattern: 'unclassified', region: 'eu', title: 'Token expired' }),
    );
  });
  it('names every bad field', () => {
    try {
      parseGenericAlert({ title: '', region: 'mars', fingerprint: 'a b', labels: { x: 1 } });
      assert.fail('accepted a bad alert');
    } catch (err) {
      assert.ok(err instanceof AlertRejected);
      const fields = err.problems.map((p) => p.split(':')[0]).sort();
      assert.deepEqual(fields, ['fingerprint', 'labels.x', 'region', 'title']);
    }
  });
});

describe('responder input checks', () => {
  it('accepts well-formed payloads and refuses others with a reason', () => {
    assert.deepEqual(checkAcknowledge({ by: ' ana ' }), { ok: true, value: { by: 'ana' } });
    assert.deepEqual(checkAcknowledge('ana'), {
      ok: false,
      reason: 'payload: must be an object like {"by": "ana"}',
    });
    assert.deepEqual(checkAcknowledge({ by: '' }), { ok: false, reason: 'by: must be a non-empty string' });
    assert.deepEqual(checkResolve({ by: 'ana' }), {
      ok: false,
      reason: 'reason: must be a non-empty string',
    });
  });
});

describe('runbook selection', () => {
  it('falls back to the generic runbook for an unclaimed pattern', () => {
    assert.equal(selectRunbook(shippedRunbooks(), 'unclassified').id, 'generic-lockout');
    assert.equal(selectRunbook(shippedRunbooks(), 'vendor-assessment').id, 'vendor-assessment');
  });
  it('says so when nothing matches and there is no fallback', () => {
    const [generic] = shippedRunbooks();
    assert.throws(
      () => selectRunbook([{ ...generic!, match: { patterns: [], fallback: false } }], 'token-expiry'),
      /no runbook matches/,
    );
  });
});
