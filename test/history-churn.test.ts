/**
 * Timers only when a deadline moves: the first 10 minutes of a certificate-chain incident, run
 * by the simulator on the time-skipping server, counted from its own history. Before clock timers
 * followed their deadline, the same 10 minutes started 29 timers and cancelled 24; before the
 * lean lifecycle they took 239 history events.
 */
import assert from 'node:assert/strict';
import { loadConfig } from '../config/env';
import { runSimulation } from '../simulation/run';
import { shippedRunbooks } from './helpers/incidents';

const MIN = 60_000;

describe('history churn of a certificate-chain incident (time-skipping server)', function () {
  this.timeout(120_000);

  it('starts timers only when a deadline moves', async () => {
    const runbook = shippedRunbooks().find((r) => r.id === 'certificate-chain')!;
    const result = await runSimulation({
      config: loadConfig({}),
      runbook,
      facts: { region: 'eu', euPersonalData: 'true' },
      responses: [
        { at: 3 * MIN, kind: 'ack', by: 'ana' },
        { at: 5 * MIN, kind: 'approve', step: 'approve-checkout-fallback', by: 'ben' },
      ],
      horizonMs: 10 * MIN,
      captureHistory: true,
    });
    const events = result.history!.events ?? [];
    const started = events.filter((e) => e.timerStartedEventAttributes).length;
    const cancelled = events.filter((e) => e.timerCanceledEventAttributes).length;
    // Each change of the incident is a timeline entry. (Workflow tasks stopped being a measure of
    // change once audiences were resolved within a task: fewer tasks, the same changes.)
    const changes = result.status.timeline.length;
    // Four clock timers, escalation, approval timeouts, a cadence: a handful, not one per change.
    assert.ok(started <= 12, `${started} timers started over ${changes} changes`);
    assert.ok(cancelled <= 6, `${cancelled} timers cancelled`);
    assert.ok(started / changes < 0.5, `${(started / changes).toFixed(2)} timers started per change`);
    // The lean lifecycle (patch lean-lifecycle): one activity per notification, one patch marker,
    // attributes upserted on change. Its first 10 minutes took 239 events before, 96 after.
    assert.ok(events.length <= 120, `${events.length} history events in the first 10 minutes`);
    const markers = events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
    assert.equal(markers.length, 1, 'one patch marker stands for every earlier patch');
  });
});
