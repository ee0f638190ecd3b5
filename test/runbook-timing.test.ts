import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { durationMs } from '../domain/duration';
import { clockTimingWarnings, worstCaseMs } from '../domain/runbook-timing';
import { allSteps } from '../domain/runbook';
import { shippedRunbooks } from './helpers/incidents';
import { runCli } from './helpers/cli';
import { runbookFromYaml } from './helpers/runbooks';

describe('clock-bound messages are not held up by diagnostics', () => {
  it('warns when the steps before a clock-bound message can outlast its deadline', () => {
    const runbook = runbookFromYaml(`
id: slow-first
version: 1
title: Diagnostics first
clocks:
  - { id: stakeholders, title: Stakeholders told, from: detected, within: 60m, metBy: notify-stakeholders }
escalation: { levels: [ { after: 1h, notify: [engineering] } ] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
  - { id: check, kind: activity, activity: checkSalesforceLimits, timeout: 20m }
  - id: both
    kind: parallel
    branches:
      - - { id: approve, kind: approval, approvers: [ { people: [ben] }, { people: [erin] } ], timeout: 30m }
      - - { id: notify-stakeholders, kind: notify, audience: engineering, template: stakeholder-notification }
onResolve: { notify: [operations] }
`);
    assert.deepEqual(clockTimingWarnings(runbook), [], '20m of diagnostics leave a 60m deadline in reach');
    runbook.clocks[0]!.within = '15m';
    const warnings = clockTimingWarnings(runbook);
    assert.equal(warnings.length, 1);
    assert.deepEqual(warnings[0]!.path, ['steps', 2, 'branches', 1, 0]);
    // The approval sits in the other branch: only the activity before the parallel holds it up.
    assert.match(warnings[0]!.reason, /runs only after check \(20m\): up to 20m, enough to miss it/);
  });

  it('counts an approval per escalating level and a wait without a limit as forever', () => {
    const [approval, wait] = runbookFromYaml(`
id: waits
version: 1
title: Waits
escalation: { levels: [ { after: 1h, notify: [engineering] } ] }
steps:
  - { id: approve, kind: approval, approvers: [ { people: [ben] }, { people: [erin] } ], timeout: 30m }
  - { id: hold, kind: wait, until: { phase: contained } }
  - { id: after, kind: checkpoint, phase: contained }
onResolve: { notify: [operations] }
`).steps;
    assert.equal(worstCaseMs(approval!), durationMs('1h'));
    assert.equal(worstCaseMs(wait!), Infinity);
  });

  it('the shipped runbooks send every clock-bound message beside, not after, diagnostics', () => {
    for (const runbook of shippedRunbooks()) {
      assert.deepEqual(clockTimingWarnings(runbook), [], runbook.id);
      for (const clock of runbook.clocks.filter((c) => c.metBy !== 'manual')) {
        const top = runbook.steps.findIndex((s) => allSteps([s]).some((x) => x.id === clock.metBy));
        const before = runbook.steps
          .slice(0, top)
          .filter((s) => s.kind === 'activity' || s.kind === 'approval');
        assert.deepEqual(
          before.map((s) => s.id),
          [],
          `${runbook.id}: ${clock.metBy} waits for no diagnostic or approval`,
        );
      }
    }
  });

  it('lockout validate prints the warning and still exits 0', async function () {
    this.timeout(30_000);
    const file = join(mkdtempSync(join(tmpdir(), 'timing-')), 'slow.yaml');
    writeFileSync(
      file,
      `id: slow-first
version: 1
title: Diagnostics first
match: { patterns: [token-expiry] }
clocks:
  - { id: stakeholders, title: Stakeholders told, from: detected, within: 15m, metBy: notify-stakeholders }
escalation: { levels: [ { after: 1h, notify: [engineering] } ] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
  - { id: check, kind: activity, activity: checkSalesforceLimits, timeout: 20m }
  - { id: notify-stakeholders, kind: notify, audience: engineering, template: stakeholder-notification }
onResolve: { notify: [operations] }
`,
    );
    const text = await runCli(['validate', file]);
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.match(
      text.stdout,
      /warning: .*slow\.yaml:11 {2}steps\.2: "notify-stakeholders" meets clock stakeholders \(within 15m\)/,
    );
    const json = JSON.parse((await runCli(['validate', file, '--json'])).stdout) as {
      ok: boolean;
      warnings: unknown[];
    };
    assert.equal(json.ok, true);
    assert.equal(json.warnings.length, 1);
  });
});
