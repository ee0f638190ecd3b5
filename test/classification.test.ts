import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClassification } from '../intake/classification-file';
import { FileProblems } from '../lib/yaml-file';
import { chooseRunbook } from '../intake/choose-runbook';
import { classify, ClassificationRules } from '../intake/classify';
import type { SourceAlert } from '../intake/source-alert';
import { ALERT_FORMATS } from '../intake/sources';
import { runCli } from './helpers/cli';
import { shippedRunbooks } from './helpers/incidents';
import { fixture, fixturePath } from './helpers/fixtures';

const SHIPPED_RULES = join(__dirname, '..', 'config', 'classification.yaml');

function alert(overrides: Partial<SourceAlert> = {}): SourceAlert {
  return {
    kind: 'alertmanager',
    source: 'alertmanager',
    fingerprint: 'am-1',
    status: 'firing',
    title: 'Something is wrong',
    labels: {},
    stated: {},
    ...overrides,
  };
}

function rules(doc: unknown): ClassificationRules {
  return ClassificationRules.parse(doc);
}

function problemsOf(yaml: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'rules-'));
  const file = join(dir, 'classification.yaml');
  writeFileSync(file, yaml);
  try {
    loadClassification(file);
  } catch (err) {
    if (err instanceof FileProblems) return err.message.split('\n').map((l) => l.replace(`${file}:`, 'L'));
    throw err;
  }
  assert.fail('expected the rules to be refused');
}

describe('classification rules', () => {
  it('takes each field from the first matching rule, stops unless continue, and never overwrites', () => {
    const r = rules({
      rules: [
        {
          name: 'sev',
          match: { labels: { severity: 'critical' } },
          set: { severity: 'sev1' },
          continue: true,
        },
        {
          name: 'eu',
          match: { labels: { region: '/^eu-/' } },
          set: { region: 'eu', severity: 'sev3' },
          continue: true,
        },
        { name: 'cert', match: { text: '/x509|certificate/i' }, set: { pattern: 'certificate-chain' } },
        { name: 'never', set: { pattern: 'token-expiry', euPersonalData: true } },
      ],
    });
    const c = classify(
      r,
      alert({ title: 'X509 chain broken', labels: { severity: 'critical', region: 'eu-west-1' } }),
    );
    assert.deepEqual(c.matched, ['sev', 'eu', 'cert']);
    assert.equal(c.alert.severity, 'sev1'); // "eu" also sets sev3, but sev was already set
    assert.equal(c.alert.region, 'eu');
    assert.equal(c.alert.pattern, 'certificate-chain');
    assert.equal(c.alert.euPersonalData, undefined); // "never" is after a stopping rule
    assert.deepEqual(c.provenance, {
      severity: 'rule sev',
      region: 'rule eu',
      pattern: 'rule cert',
    });
  });

  it('defaults what no rule set, and a catch-all rule matches everything', () => {
    const none = classify(rules({ rules: [] }), alert());
    assert.equal(none.alert.pattern, 'unclassified');
    assert.equal(none.alert.region, 'global');
    assert.equal(none.alert.severity, undefined);
    assert.deepEqual(none.provenance, { pattern: 'default', region: 'default' });
    const all = classify(rules({ rules: [{ name: 'all', set: { region: 'us' } }] }), alert());
    assert.equal(all.alert.region, 'us');
  });

  it('keeps what a generic alert stated over any rule', () => {
    const r = rules({ rules: [{ name: 'x', set: { pattern: 'token-expiry', region: 'us' } }] });
    const c = classify(r, alert({ kind: 'generic', stated: { pattern: 'certificate-chain' } }));
    assert.equal(c.alert.pattern, 'certificate-chain');
    assert.equal(c.provenance.pattern, 'alert');
    assert.equal(c.alert.region, 'us');
  });

  it('matches by source, by every listed label, by any value of a list, and by description text', () => {
    const r = rules({
      rules: [
        { name: 'dd-only', match: { source: 'datadog' }, set: { region: 'us' }, continue: true },
        {
          name: 'both',
          match: { labels: { a: '1', b: ['x', '/^y/'] } },
          set: { severity: 'sev2' },
          continue: true,
        },
        { name: 'desc', match: { text: 'exact description' }, set: { pattern: 'audit-log-failure' } },
      ],
    });
    const c = classify(r, alert({ labels: { a: '1', b: 'yes' }, description: 'exact description' }));
    assert.deepEqual(c.matched, ['both', 'desc']);
    assert.equal(classify(r, alert({ labels: { a: '1' } })).alert.severity, undefined); // b missing
    assert.equal(classify(r, alert({ kind: 'datadog' })).alert.region, 'us');
  });

  it('asks for a runbook by id; an unknown id falls back to the pattern runbook with a note', () => {
    const r = rules({
      rules: [{ name: 'rb', set: { runbook: 'no-such-runbook', pattern: 'token-expiry' } }],
    });
    const c = classify(r, alert());
    assert.equal(c.runbookId, 'no-such-runbook');
    const choice = chooseRunbook(shippedRunbooks(), c.alert.pattern, c.runbookId);
    assert.equal(choice.runbook.id, 'token-expiry', "the pattern's runbook");
    assert.match(choice.note!, /runbook "no-such-runbook" \(named by a classification rule\) does not exist/);
    assert.equal(chooseRunbook(shippedRunbooks(), 'token-expiry', 'generic-lockout').note, undefined);
  });

  it('classifies the vendor examples with the shipped rules', () => {
    const shipped = loadClassification(SHIPPED_RULES);
    const [cert, acl] = ALERT_FORMATS.alertmanager
      .parse(fixture('alertmanager-salesforce-group.json'))
      .alerts.map((a) => classify(shipped, a).alert);
    assert.deepEqual([cert!.pattern, cert!.severity, cert!.region], ['certificate-chain', 'sev1', 'eu']);
    assert.deepEqual([acl!.pattern, acl!.severity, acl!.region], ['acl-misconfiguration', 'sev2', 'eu']);
    const [token] = ALERT_FORMATS.datadog
      .parse(fixture('datadog-salesforce-triggered.json'))
      .alerts.map((a) => classify(shipped, a).alert);
    assert.deepEqual([token!.pattern, token!.severity, token!.region], ['token-expiry', 'sev1', 'eu']);
    const [disk] = ALERT_FORMATS.pagerduty
      .parse(fixture('pagerduty-docs-trigger.json'))
      .alerts.map((a) => classify(shipped, a).alert);
    assert.deepEqual([disk!.pattern, disk!.severity, disk!.region], ['unclassified', 'sev1', 'global']);
  });

  it('refuses a bad rules file with file:line, field and reason', () => {
    const problems = problemsOf(
      [
        'rules:',
        '  - name: bad-regex',
        "    match: { text: '/([a-z/' }",
        '    set: { pattern: certificate-chain }',
        '  - name: bad-pattern',
        '    set: { pattern: certificates }',
        '  - name: nothing-set',
        '    set: {}',
        '  - name: bad-regex',
        '    set: { region: eu }',
        '    stop: true',
      ].join('\n'),
    );
    const has = (line: number, text: string) =>
      assert.ok(
        problems.some((p) => p.startsWith(`L${line}  `) && p.includes(text)),
        `${line} ${text}: ${problems.join(' | ')}`,
      );
    has(3, 'rules.0.match.text: not a valid regular expression');
    has(6, 'rules.1.set.pattern: ');
    has(8, 'rules.2.set: must set at least one of pattern, severity, region, euPersonalData, runbook');
    has(9, 'unknown field(s) stop');
    // Duplicate names are checked once every rule is valid on its own.
    const dup = problemsOf(
      'rules:\n  - name: a\n    set: { region: eu }\n  - name: a\n    set: { region: us }\n',
    );
    assert.deepEqual(dup, ['L4  rules.1.name: "a" is used twice']);
  });

  describe('lockout classify (the real CLI)', function () {
    this.timeout(30_000);

    it('shows the normalised alerts, the matching rules and the runbook', async () => {
      const result = await runCli(['classify', fixturePath('alertmanager-salesforce-group.json')]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Format: Prometheus Alertmanager webhook \(detected/);
      assert.match(result.stdout, /Alert 1 of 2: "Salesforce API certificate chain invalid" \(firing\)/);
      assert.match(result.stdout, /incident +lockout-am-7c2f4e1a9b3d5e60/);
      assert.match(result.stdout, /rules +severity-sev1, region-eu, certificate-chain/);
      assert.match(result.stdout, /pattern +certificate-chain {2}\(rule certificate-chain, on title\)/);
      assert.match(result.stdout, /runbook +certificate-chain {2}\(by pattern\)/);
    });

    it('prints JSON with --json, with a chosen format and rules file', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'rules-'));
      const file = join(dir, 'r.yaml');
      writeFileSync(file, 'rules:\n  - name: all-eu\n    set: { region: eu, runbook: generic-lockout }\n');
      const result = await runCli([
        'classify',
        fixturePath('pagerduty-docs-resolve.json'),
        '--source',
        'pagerduty',
        '--rules',
        file,
        '--json',
      ]);
      assert.equal(result.code, 0, result.stderr);
      const out = JSON.parse(result.stdout);
      assert.equal(out.format, 'pagerduty');
      assert.equal(out.detected, false);
      assert.equal(out.alerts[0].status, 'resolved');
      assert.equal(out.alerts[0].region, 'eu');
      assert.deepEqual(out.alerts[0].matched, ['all-eu']);
      assert.equal(out.alerts[0].provenance.runbook, 'rule all-eu');
    });

    it('refuses an invalid payload (exit 2) and a broken rules file (exit 1), naming what to fix', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'classify-'));
      const payload = join(dir, 'bad.json');
      writeFileSync(payload, JSON.stringify({ alerts: [{ status: 'firing' }], version: '4' }));
      const bad = await runCli(['classify', payload]);
      assert.equal(bad.code, 2);
      assert.match(
        bad.stderr,
        /not a valid Prometheus Alertmanager webhook:\n {2}alerts\.0\.labels: required/,
      );

      const rulesFile = join(dir, 'rules.yaml');
      writeFileSync(rulesFile, 'rules:\n  - name: x\n    set: { severity: sev9 }\n');
      const broken = await runCli([
        'classify',
        fixturePath('generic-readme-example.json'),
        '--rules',
        rulesFile,
      ]);
      assert.equal(broken.code, 1);
      assert.match(broken.stderr, /rules\.yaml:3 {2}rules\.0\.set\.severity: /);

      const notJson = join(dir, 'x.json');
      writeFileSync(notJson, '{nope');
      assert.equal((await runCli(['classify', notJson])).code, 2);
      const wrongSource = await runCli(['classify', payload, '--source', 'nagios']);
      assert.equal(wrongSource.code, 2);
      assert.match(wrongSource.stderr, /argument 'nagios' is invalid/);
    });
  });
});
