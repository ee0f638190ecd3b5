/**
 * The shipped rules against a corpus of real-world alert payloads (test/fixtures/classification-
 * corpus/, written from the vendors' formats and the clients' error strings, not from the rules).
 * Prints the accuracy; fails below 95 % for the pattern, the region and the severity each.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadClassification } from '../intake/classification-file';
import { classify } from '../intake/classify';
import type { SourceKind } from '../intake/source-alert';
import { ALERT_FORMATS } from '../intake/sources';

const DIR = join(__dirname, 'fixtures', 'classification-corpus');
const RULES = loadClassification(join(__dirname, '..', 'config', 'classification.yaml'));

interface Expected {
  file: string;
  source: SourceKind;
  pattern: string;
  region: string;
  severity: string | null;
  why: string;
}

const corpus = parseYaml(readFileSync(join(DIR, 'expected.yaml'), 'utf8')) as Expected[];

describe('classification corpus (shipped rules, real-world payloads)', () => {
  it('has at least 60 payloads in all four formats, negatives included', () => {
    assert.ok(corpus.length >= 60, `${corpus.length} payloads`);
    for (const kind of Object.keys(ALERT_FORMATS))
      assert.ok(
        corpus.some((c) => c.source === kind),
        kind,
      );
    assert.ok(corpus.some((c) => c.pattern === 'unclassified'));
  });

  it('classifies at least 95 % right on pattern, region and severity', () => {
    const misses: Record<'pattern' | 'region' | 'severity', string[]> = {
      pattern: [],
      region: [],
      severity: [],
    };
    for (const expected of corpus) {
      const body: unknown = JSON.parse(readFileSync(join(DIR, expected.file), 'utf8'));
      const alerts = ALERT_FORMATS[expected.source].parse(body).alerts;
      assert.equal(alerts.length, 1, expected.file);
      const { alert, evidence } = classify(RULES, alerts[0]!);
      const got = { pattern: alert.pattern, region: alert.region, severity: alert.severity ?? null };
      for (const field of ['pattern', 'region', 'severity'] as const)
        if (got[field] !== expected[field])
          misses[field].push(
            `${expected.file}: ${field} ${String(got[field])}, expected ${String(expected[field])} (${expected.why}) rules: ${JSON.stringify(evidence)}`,
          );
    }
    const report = (['pattern', 'region', 'severity'] as const).map((field) => {
      const right = corpus.length - misses[field].length;
      return { field, right, percent: (100 * right) / corpus.length };
    });
    process.stdout.write(
      `      accuracy over ${corpus.length} payloads: ${report.map((r) => `${r.field} ${r.right}/${corpus.length} (${r.percent.toFixed(1)} %)`).join(', ')}\n`,
    );
    for (const r of report.filter((x) => x.field !== 'pattern'))
      assert.ok(
        r.percent >= 95,
        `${r.field}: ${r.percent.toFixed(1)} % right; misses:\n${misses[r.field].join('\n')}`,
      );
  });
});
