import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as ids from '../client/ids';
import * as workflows from '../workflows';

const ROOT = join(__dirname, '..');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** The import rule (.dependency-cruiser.cjs) applied to a tree, as `npm run lint` applies it. */
function violations(dir: string): Violation[] {
  const run = spawnSync(DEPCRUISE, ['--config', CONFIG, '--output-type', 'json', '.'], {
    cwd: dir,
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  return (JSON.parse(run.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('architecture: layers that only look down', function () {
  this.timeout(60_000);

  it('finds no import that runs back up, and no cycle, in the project', () => {
    const found = violations(ROOT).map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
    assert.deepEqual(found, []);
  });

  it('catches an import that runs back up and a cycle (a tree built to break the rule)', () => {
    const found = violations(join(__dirname, 'fixtures', 'layers')).map((v) => [v.rule.name, v.from, v.to]);
    assert.deepEqual(found.sort(), [
      ['layer-0-looks-down', 'domain/phase.ts', 'gateway/server.ts'],
      ['no-cycles', 'intake/classify.ts', 'intake/parse.ts'],
    ]);
  });
});

describe('the incident client names what the worker registers', () => {
  it('uses the workflow types the workflows module exports', () => {
    for (const type of [
      ids.INCIDENT_WORKFLOW_TYPE,
      ids.EXPIRY_WATCH_WORKFLOW_TYPE,
      ids.CRM_SYNC_WORKFLOW_TYPE,
    ])
      assert.equal(typeof (workflows as Record<string, unknown>)[type], 'function', type);
  });

  it('names incidents lockout-<fingerprint> and accepts the id with or without its prefix', () => {
    assert.equal(ids.incidentIdFor('abc'), 'lockout-abc');
    assert.equal(ids.incidentIdFromArg('abc'), 'lockout-abc');
    assert.equal(ids.incidentIdFromArg('lockout-abc'), 'lockout-abc');
    assert.equal(
      ids.incidentsQuery({ running: true, extra: ['LockoutSeverity = "sev1"'] }),
      `WorkflowType = 'lockoutIncident' AND ExecutionStatus = 'Running' AND LockoutSeverity = "sev1"`,
    );
  });
});
