import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateRunbooks } from '../cli/validate-runbooks';
import { runCli } from './helpers/cli';
import { SHIPPED_DIRECTORY, SHIPPED_RUNBOOKS, SHIPPED_TEMPLATES } from './helpers/deps';
import { runbookFiles } from '../intake/runbooks-file';

const BROKEN = join(__dirname, 'fixtures', 'broken-runbooks');
const context = { directoryFile: SHIPPED_DIRECTORY, templatesDir: SHIPPED_TEMPLATES };

/** Each broken runbook says on its first line what validate must report: `# expect: <line> <field> <reason>`. */
function expectation(file: string): { line: number; field: string; reason: string } {
  const match = /^# expect: (\d+) (\S+) ?(.*)$/m.exec(readFileSync(file, 'utf8'));
  assert.ok(match, `${file} has no # expect: line`);
  return { line: Number(match[1]), field: match[2] === '(document)' ? '' : match[2]!, reason: match[3]! };
}

describe('lockout validate', () => {
  it('accepts every shipped runbook', () => {
    const report = validateRunbooks(runbookFiles(SHIPPED_RUNBOOKS), context);
    assert.deepEqual(report.problems, []);
    assert.ok(report.runbooks.length >= 1);
  });

  for (const name of readdirSync(BROKEN).filter((f) => f.endsWith('.yaml'))) {
    it(`reports ${name} with file, line, field and reason`, () => {
      const file = join(BROKEN, name);
      const expected = expectation(file);
      const { problems } = validateRunbooks([file], context);
      assert.ok(
        problems.some(
          (p) =>
            p.file === file &&
            p.line === expected.line &&
            p.field === expected.field &&
            p.reason.includes(expected.reason),
        ),
        `expected ${expected.line} ${expected.field} "${expected.reason}", got:\n${problems.map((p) => `${p.line} ${p.field} ${p.reason}`).join('\n')}`,
      );
    });
  }

  it('exits 1 with one line per problem from the CLI, and 0 when all is well', async () => {
    const broken = await runCli(['validate', BROKEN]);
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /cycle\.yaml:12 {2}steps\.1\.then: jump back to "notify-ops" makes a cycle/);
    assert.match(broken.stdout, /problem\(s\) in 14 file\(s\)/);
    const json = await runCli(['validate', BROKEN, '--json']);
    const report = JSON.parse(json.stdout) as { ok: boolean; problems: { file: string; line: number }[] };
    assert.equal(report.ok, false);
    assert.ok(report.problems.length >= 14);
    const good = await runCli(['validate']);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /^ok {2}runbooks\/generic-lockout\.yaml {2}generic-lockout v\d+/m);
    assert.equal(good.stdout.trim().split('\n').length, 7, 'one line per shipped runbook');
  });
});
