/**
 * The incident's reducers without a server: each action on a plain record, and fast-check
 * sequences of actions checking that no reducer changes what it is given and that what only moves
 * forward (alert count, decisions, met clocks, the timeline) never moves back.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { IncidentRecord } from '../domain/incident';
import { RESPONDER_ACTIONS, RESPONDER_ACTION_NAMES } from '../domain/incident-actions';
import * as progress from '../domain/incident-progress';
import * as reduce from '../domain/incident-reducers';
import type { ReducerContext } from '../domain/incident-reducers';
import { runbookFromYaml } from './helpers/runbooks';

const RUNBOOK = runbookFromYaml(`
id: reducers
version: 1
title: Reducer test
facts:
  impact: { type: string }
clocks:
  - { id: ops, title: Operations told, from: detected, within: 15m, metBy: manual }
escalation: { levels: [ { after: 15m, notify: [engineering] } ] }
steps:
  - { id: approve-rotation, kind: approval, approvers: [ { people: [ben, erin] } ], quorum: 2, twoPersonRule: true }
  - { id: contain, kind: checkpoint, phase: contained }
onResolve: { notify: [operations] }
`);

const DETECTED = '2026-11-30T10:00:00.000Z';

function freshRecord(): IncidentRecord {
  return {
    phase: 'detected',
    escalationLevel: 0,
    alertCount: 1,
    facts: {
      title: 'x',
      pattern: 'token-expiry',
      severity: 'sev2',
      region: 'eu',
      euPersonalData: false,
      source: 'generic',
      labels: {},
      custom: {},
    },
    alerts: [],
    acknowledgements: [],
    deliveries: [
      { step: 'notify-ops', recipient: 'ana', channel: 'email', outcome: 'delivered', at: DETECTED },
    ] as IncidentRecord['deliveries'],
    receipts: [],
    steps: [],
    clocks: [
      {
        id: 'ops',
        title: 'Operations told',
        from: 'detected',
        within: '15m',
        legal: false,
        state: 'running',
        warnedAt: [],
      },
    ],
    approvals: [
      {
        step: 'approve-rotation',
        title: 'Approve',
        approvers: { roles: [], people: ['ben', 'erin'] },
        quorum: 2,
        twoPersonRule: true,
        requestedAt: DETECTED,
        level: 1,
        state: 'pending',
        eligible: ['ben', 'erin'],
        decisions: [],
      },
    ],
    attention: [],
    timeline: [],
    engine: progress.startingEngine(DETECTED),
  };
}

const ctx: ReducerContext = {
  runbook: RUNBOOK,
  now: '2026-11-30T10:05:00.000Z',
  outsideWindow: (field, at) =>
    Date.parse(at) < Date.parse(DETECTED) - 86_400_000 ? `${field}: too early` : undefined,
  twoPersonAtDecision: () => true,
};

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

describe('incident reducers (no server)', () => {
  it('acknowledge moves the phase, records who, and asks for both effects', () => {
    const r = reduce.acknowledge(deepFreeze(freshRecord()), { by: 'ana', note: 'on it' }, ctx);
    assert.ok(r.ok);
    assert.equal(r.record.phase, 'acknowledged');
    assert.equal(r.record.engine.lastActor, 'ana');
    assert.deepEqual(r.effects, ['changed', 'publish']);
    assert.deepEqual(
      r.record.timeline.map((e) => e.summary),
      ['acknowledged by ana: on it', 'phase → acknowledged'],
    );
  });

  it('approve counts to the quorum; the last mover may not approve; a link works once', () => {
    let record = deepFreeze(freshRecord());
    const ack = reduce.acknowledge(record, { by: 'ben' }, ctx);
    assert.ok(ack.ok);
    record = deepFreeze(ack.record);
    const ben = reduce.approve(record, { step: 'approve-rotation', by: 'ben' }, ctx);
    assert.deepEqual(ben, {
      ok: false,
      refused: 'approve-rotation: two-person rule: ben last moved the incident forward and cannot approve it',
    });
    const erin = reduce.approve(record, { step: 'approve-rotation', by: 'erin', link: 'n1' }, ctx);
    assert.ok(erin.ok);
    assert.equal(erin.message, 'approved by erin; approve-rotation is pending');
    const again = reduce.approve(
      deepFreeze(erin.record),
      { step: 'approve-rotation', by: 'erin', link: 'n1' },
      ctx,
    );
    assert.deepEqual(again, { ok: false, refused: 'this link was already used (approve-rotation)' });
  });

  it('setFact refuses prototype names and undeclared facts; clockMet refuses early times', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'nope']) {
      const r = reduce.setFact(freshRecord(), { name, value: 'x', by: 'ana' }, ctx);
      assert.equal(r.ok, false, name);
    }
    const impact = reduce.setFact(freshRecord(), { name: 'impact', value: 'checkout', by: 'ana' }, ctx);
    assert.ok(impact.ok);
    assert.deepEqual(impact.record.facts.custom, { impact: 'checkout' });
    const early = reduce.clockMet(
      freshRecord(),
      { clock: 'ops', by: 'ana', at: '1999-01-01T00:00:00.000Z' },
      ctx,
    );
    assert.deepEqual(early, { ok: false, refused: 'at: too early' });
  });

  it('a more severe alert raises the severity and asks for escalation; repeats are grouped', () => {
    const alert = {
      fingerprint: 'f',
      source: 'generic',
      status: 'firing' as const,
      title: 'x',
      pattern: 'token-expiry' as const,
      severity: 'sev1' as const,
      region: 'eu' as const,
      labels: {},
      receivedAt: DETECTED,
    };
    const first = reduce.alert(deepFreeze(freshRecord()), alert, ctx);
    assert.ok(first.ok);
    const second = reduce.alert(deepFreeze(first.record), alert, ctx);
    assert.ok(second.ok);
    assert.equal(second.record.facts.severity, 'sev1');
    assert.equal(second.record.engine.escalationRequests, 1);
    assert.equal(second.record.alertCount, 3);
    assert.deepEqual(
      second.record.alerts.map((a) => a.count),
      [2],
    );
  });

  it('never changes its input, and what moves forward never moves back (10,000 actions)', () => {
    const person = fc.constantFrom('ana', 'ben', 'erin', '__proto__', 'constructor');
    const time = fc
      .date({
        min: new Date('1990-01-01T00:00:00Z'),
        max: new Date('2030-01-01T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString());
    const payload = fc.record(
      {
        by: person,
        recipient: person,
        step: fc.constantFrom('approve-rotation', 'notify-ops', 'constructor'),
        reason: fc.constant('r'),
        note: fc.string({ maxLength: 5 }),
        at: time,
        name: fc.constantFrom('impact', 'euPersonalData', '__proto__', 'toString'),
        value: fc.oneof(fc.boolean(), fc.string({ maxLength: 5 }), fc.integer()),
        clock: fc.constantFrom('ops', 'nope'),
        phase: fc.constantFrom('contained', 'recovered'),
        pattern: fc.constantFrom('token-expiry', 'certificate-chain', 'unclassified'),
        via: fc.constant('fuzz'),
        acknowledge: fc.boolean(),
        link: fc.constantFrom('l1', 'l2'),
        // The post-incident review's actions (domain/review.ts).
        title: fc.constant('t'),
        item: fc.constantFrom('A1', 'A2'),
        owner: person,
        summary: fc.constant('s'),
        // Emergency spend (domain/spend-input.ts).
        amount: fc.constantFrom(100, 2500.5),
        purpose: fc.constant('contractor'),
        spend: fc.constantFrom('spend-1', 'spend-2'),
        decision: fc.constantFrom('approve', 'reject'),
      },
      {
        requiredKeys: [
          'by',
          'recipient',
          'step',
          'reason',
          'at',
          'name',
          'value',
          'clock',
          'phase',
          'pattern',
          'via',
          'title',
          'item',
          'summary',
        ],
      },
    );
    const step = fc.tuple(fc.constantFrom(...RESPONDER_ACTION_NAMES), payload);
    let applied = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => {
        let record = deepFreeze(freshRecord());
        for (const [name, raw] of steps) {
          const action = RESPONDER_ACTIONS[name] as unknown as {
            check: (p: unknown) => { ok: boolean; value?: unknown };
            reduce: reduce.Reducer<unknown>;
          };
          const checked = action.check(raw);
          if (!checked.ok) continue;
          const result = action.reduce(record, checked.value, ctx); // throws if it touches the frozen input
          applied++;
          if (!result.ok) {
            assert.match(result.refused, /./);
            continue;
          }
          const next = result.record;
          assert.ok(next.alertCount >= record.alertCount);
          // A repeated reclassification (or one to the pattern it has) changes nothing at all.
          const unchanged = name === 'reclassify' && next === record;
          assert.ok(next.timeline.length > record.timeline.length || name === 'confirmReceipt' || unchanged);
          for (const [i, c] of record.clocks.entries())
            if (c.metAt) assert.equal(next.clocks[i]!.metAt, c.metAt);
          for (const [i, a] of record.approvals.entries())
            assert.ok(next.approvals[i]!.decisions.length >= a.decisions.length);
          record = deepFreeze(next);
        }
      }),
      { numRuns: 1_800, seed: 2026 },
    );
    assert.ok(applied >= 10_000, `${applied} actions reduced`);
  });

  it("the incident's own progress: clocks, escalation, attention, steps", () => {
    const record = deepFreeze(freshRecord());
    const ack = reduce.acknowledge(record, { by: 'ana' }, ctx);
    assert.ok(ack.ok);
    const refreshed = progress.clocksRefreshed(deepFreeze(ack.record), RUNBOOK, Date.parse(ctx.now));
    assert.equal(refreshed.clocks[0]!.state, 'running');
    assert.equal(refreshed.clocks[0]!.deadline, '2026-11-30T10:15:00.000Z');
    const met = progress.clocksRefreshed(
      deepFreeze({ ...refreshed, clocks: refreshed.clocks.map((c) => ({ ...c, metAt: ctx.now })) }),
      RUNBOOK,
      Date.parse('2026-11-30T11:00:00Z'),
    );
    assert.equal(met.clocks[0]!.state, 'met');

    const asked = progress.progressed(record, { escalationRequests: 2 });
    const up = progress.escalated(deepFreeze(asked), { level: 1, round: 1, at: ctx.now, requested: true });
    assert.equal(up.escalationLevel, 1);
    assert.equal(up.engine.escalationRequests, 1);

    let worried = record;
    for (let i = 0; i < 25; i++)
      worried = deepFreeze(progress.attentionNeeded(worried, `failure ${i}`, ctx.now));
    assert.equal(worried.attention.length, 20, 'listed up to a bound');
    assert.equal(worried.timeline.length, 25, 'every one in the timeline');
    assert.equal(worried.engine.escalationRequests, 25);

    const step = { id: 's', kind: 'activity', state: 'running' as const, startedAt: ctx.now };
    const started = deepFreeze(progress.stepStarted(record, step));
    const finished = progress.stepFinished(started, 0, 'done', ctx.now, { ok: true, summary: 'fine' });
    assert.deepEqual(finished.steps[0], {
      ...step,
      state: 'done',
      endedAt: ctx.now,
      result: { ok: true, summary: 'fine' },
    });
    assert.equal(started.steps[0]!.state, 'running', 'the record it was given is unchanged');
  });
});
