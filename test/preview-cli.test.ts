import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli';

describe('lockout preview (the real CLI as a subprocess)', function () {
  this.timeout(60_000);

  it('renders a template from facts for the person on call', async () => {
    const { code, stdout, stderr } = await runCli([
      'preview',
      'ops-technical-alert',
      '--facts',
      'title=Token expired during policy update',
      '--facts',
      'pattern=token-expiry',
      '--facts',
      'severity=sev1',
      '--recipient',
      'person:ben',
    ]);
    assert.equal(code, 0, stderr);
    assert.match(
      stdout,
      /^Subject: \[SEV1\] Salesforce integration lockout: Token expired during policy update \(lockout-preview\)/,
    );
    assert.match(stdout, /Ben Okafor \(Integration engineering lead\),/);
    assert.match(stdout, /Pattern: +token-expiry/);
  });

  it('prints every part as JSON, one entry per recipient, from a facts file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lockout-facts-')), 'facts.json');
    writeFileSync(
      file,
      JSON.stringify({
        title: 'EU data unreachable',
        pattern: 'data-residency',
        region: 'eu',
        euPersonalData: true,
        labels: { 'data-subjects': '4,200' },
      }),
    );
    const { code, stdout, stderr } = await runCli([
      'preview',
      'gdpr-assessment-brief',
      '--facts-file',
      file,
      '--recipient',
      'legal',
      '--json',
    ]);
    assert.equal(code, 0, stderr);
    const messages = JSON.parse(stdout) as Array<{
      recipient: string;
      subject: string;
      text: string;
      sms: string;
    }>;
    assert.deepEqual(
      messages.map((m) => m.recipient),
      ['jonas', 'kemi'],
    );
    assert.match(messages[0]!.subject, /EU personal data affected/);
    assert.match(messages[0]!.text, /Data subjects: +4,200/);
    assert.match(messages[0]!.sms, /GDPR assessment needed/);
  });

  it('prints the sms text with --format sms', async () => {
    const { code, stdout } = await runCli([
      'preview',
      'escalation-notice',
      '--facts',
      'title=ACL drift',
      '--format',
      'sms',
    ]);
    assert.equal(code, 0);
    assert.match(stdout, /^ESCALATION L0 \[SEV2\] Salesforce lockout lockout-preview/);
  });

  it('refuses bad input with the field and reason, exit code 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ['preview', 'no-such-template', '--facts', 'title=x'],
        /unknown template "no-such-template" \(known: .*ops-technical-alert/,
      ],
      [
        ['preview', 'ops-technical-alert', '--facts', 'pattern=mars'],
        /facts: alert rejected:\n {2}pattern: Invalid option/,
      ],
      [['preview', 'ops-technical-alert', '--facts', 'title'], /--facts title: must be key=value/],
      [['preview', 'ops-technical-alert'], /give exactly one of --incident, --facts or --facts-file/],
      [
        ['preview', 'ops-technical-alert', '--facts', 'title=x', '--recipient', 'rota:nights'],
        /--recipient rota:nights: unknown rota "nights"/,
      ],
      [
        ['preview', 'ops-technical-alert', '--facts', 'title=x', '--format', 'pdf'],
        /argument 'pdf' is invalid/,
      ],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await runCli(args);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, message);
    }
  });

  it('says why a template cannot be rendered for this incident (exit 1)', async () => {
    const { code, stderr } = await runCli(['preview', 'resolution-notice', '--facts', 'title=x']);
    assert.equal(code, 1);
    assert.match(stderr, /resolution-notice needs resolution, which this incident does not have yet/);
  });
});
