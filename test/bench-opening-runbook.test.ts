import assert from 'node:assert/strict';
import { openingOf } from '../bench/opening-runbook';
import { shippedRunbooks } from './helpers/incidents';

describe("the bench's opening-only runbook (npm run bench)", () => {
  it('keeps every shipped runbook up to its first notification, then waits until contained', () => {
    for (const runbook of shippedRunbooks()) {
      const opening = openingOf(runbook);
      const firstNotify = runbook.steps.findIndex((s) => s.kind === 'notify');
      assert.equal(opening.id, `${runbook.id}-opening`);
      assert.deepEqual(opening.steps.slice(0, -1), runbook.steps.slice(0, firstNotify + 1), runbook.id);
      assert.deepEqual(opening.steps.at(-1), {
        id: 'bench-await-containment',
        kind: 'wait',
        title: 'Nothing more until contained (bench: the opening only)',
        until: { phase: 'contained' },
      });
      // The engine's own work stays: the same deadlines and escalation.
      assert.deepEqual(opening.clocks, runbook.clocks, runbook.id);
      assert.deepEqual(opening.escalation, runbook.escalation, runbook.id);
    }
  });

  it('refuses a runbook with no notify step at its top level', () => {
    const runbook = shippedRunbooks().find((r) => r.id === 'generic-lockout')!;
    const silent = { ...runbook, steps: runbook.steps.filter((s) => s.kind !== 'notify') };
    assert.throws(() => openingOf(silent), /runbook generic-lockout has no notify step at its top level/);
  });
});
