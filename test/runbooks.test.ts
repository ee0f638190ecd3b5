import assert from 'node:assert/strict';
import { loadConfig } from '../config/env';
import { allSteps, type Runbook } from '../domain/runbook';
import { runSimulation, type SimulationResult } from '../simulation/run';
import type { Response } from '../simulation/script';
import { shippedRunbooks } from './helpers/incidents';

const MIN = 60_000;
const HOUR = 60 * MIN;
const config = loadConfig({});

/** EU personal data affected, so the GDPR clock applies wherever a runbook has it. */
const EU_FACTS = { region: 'eu', euPersonalData: 'true' };

function escalationsExpected(runbook: Runbook): number {
  return runbook.escalation.levels.reduce((n, level) => n + level.repeat, 0);
}

/**
 * Prompt responders: acknowledge at once, approvers (engineering lead, incident commander,
 * compliance) answer every approval as soon as it is asked, containment is declared where no step
 * does it, legal files within a day. Attempts that do not count (not asked yet, already decided,
 * not an approver) are refused by the incident and simply ignored here.
 */
function promptResponses(runbook: Runbook): Response[] {
  const approvals = allSteps(runbook.steps).filter((s) => s.kind === 'approval');
  const responses: Response[] = [{ at: 2 * MIN, kind: 'ack', by: 'ana' }];
  for (const at of [5, 10, 20, 40]) {
    for (const step of approvals) {
      for (const [i, by] of ['ben', 'dev', 'chloe'].entries()) {
        responses.push({ at: (at + i) * MIN, kind: 'approve', step: step.id, by });
      }
    }
  }
  responses.push({ at: 50 * MIN, kind: 'phase', phase: 'contained', by: 'ana' });
  responses.push({ at: 60 * MIN, kind: 'fact', name: 'euPersonalData', value: 'true', by: 'kemi' });
  if (runbook.clocks.some((c) => c.id === 'gdpr-art33'))
    responses.push({ at: 24 * HOUR, kind: 'clock', clock: 'gdpr-art33', by: 'kemi' });
  responses.push({ at: 5 * HOUR, kind: 'resolve', by: 'ana' });
  return responses;
}

/**
 * These rehearsals run the real workflow through the simulation (simulation/run.ts): every catalog
 * activity and every sender is a stub that reports "simulated", so they check the runbook's
 * timing, escalation, approvals and rendering, not the activities or channels themselves. The
 * activities are tested against the loopback doubles in their own files.
 */
describe('shipped runbooks, rehearsed on the time-skipping server with simulated activities and senders', function () {
  this.timeout(300_000);

  for (const runbook of shippedRunbooks()) {
    describe(`${runbook.id}`, () => {
      it('with nobody responding: every escalation fires, each clock is met or missed as the runbook promises', async () => {
        const result = await runSimulation({ config, runbook, facts: EU_FACTS, responses: [] });
        const { status } = result;
        const escalations = status.timeline.filter((e) => e.kind === 'escalation');
        assert.equal(
          escalations.length,
          escalationsExpected(runbook),
          escalations.map((e) => e.summary).join('\n'),
        );
        assert.equal(status.escalationLevel, runbook.escalation.levels.length);
        const state = (id: string) => status.clocks.find((c) => c.id === id)?.state;
        assert.equal(state('ops-alert'), 'met', 'operations are told at once, whoever responds');
        assert.equal(state('stakeholders'), 'met');
        assert.equal(
          state('compliance-report'),
          'met',
          'the formal report goes out by 3h30m even without containment',
        );
        if (runbook.clocks.some((c) => c.id === 'gdpr-art33')) {
          assert.equal(
            state('gdpr-art33'),
            'missed',
            'nobody recorded the supervisory-authority notification',
          );
        }
        for (const approval of status.approvals) assert.notEqual(approval.state, 'approved', approval.step);
        assertReportsAndNoStrayFailures(result);
      });

      it('with prompt responders: no escalation, every clock met, remediation approved and its (simulated) step done', async () => {
        const result = await runSimulation({
          config,
          runbook,
          facts: EU_FACTS,
          responses: promptResponses(runbook),
          // The diagnostics find what the runbook is for (ACL drift), so the remediation path runs.
          failSteps: runbook.id === 'acl-misconfiguration' ? ['compare-permissions'] : [],
        });
        const { status } = result;
        assert.equal(
          status.escalationLevel,
          0,
          status.timeline
            .filter((e) => e.kind === 'escalation')
            .map((e) => e.summary)
            .join('\n'),
        );
        const notMet = status.clocks.filter((c) => c.state !== 'met' && c.state !== 'not-applicable');
        assert.deepEqual(
          notMet.map((c) => `${c.id}: ${c.state}`),
          [],
        );
        assert.ok(status.clocks.some((c) => c.id === 'compliance-report' && c.state === 'met'));
        const requested = status.approvals.map((a) => `${a.step}: ${a.state}`);
        assert.ok(
          status.approvals.length > 0 || runbook.id === 'generic-lockout',
          'the runbook asked for approvals',
        );
        for (const a of status.approvals) assert.equal(a.state, 'approved', requested.join(', '));
        for (const gated of status.steps.filter((s) => s.kind === 'activity')) {
          assert.equal(gated.state, 'done', `${gated.id} ran`);
        }
        // Resolved, the shipped runbooks stay open for their post-incident review.
        assert.equal(status.phase, runbook.review ? 'review' : 'resolved');
        assert.equal(status.review?.state, runbook.review ? 'open' : undefined);
        assert.ok(status.resolution, 'resolved');
        assert.ok(
          status.steps.some((s) => s.id === 'closing-report' && s.state === 'done'),
          'closing report sent',
        );
        assertReportsAndNoStrayFailures(result);
      });
    });
  }
});

/**
 * Every message rendered; the formal report was rendered; no delivery failed for lack of a
 * template (simulated senders fail for nothing else, so this is what the check can catch).
 */
function assertReportsAndNoStrayFailures(result: SimulationResult): void {
  const failed = result.status.deliveries.filter((d) => d.outcome === 'failed');
  assert.deepEqual(
    failed.map((d) => `${d.step} → ${d.recipient}: ${d.detail}`),
    [],
  );
  assert.ok(
    result.messages.some((m) => /compliance status report/i.test(m.subject)),
    'a formal compliance status report was rendered',
  );
}
