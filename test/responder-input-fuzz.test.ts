/**
 * The one boundary every signal and update passes, fuzzed in process: whatever arrives, each
 * check answers "valid, here is the value" or "refused: field, reason", and never throws.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { judge } from '../domain/approvals';
import { coerceFact, factValue } from '../domain/facts';
import type { ApprovalStatus, IncidentFacts } from '../domain/incident';
import * as input from '../domain/responder-input';

const CHECKS = {
  acknowledge: input.checkAcknowledge,
  reopen: input.checkReopen,
  escalate: input.checkEscalate,
  approve: input.checkApprove,
  reject: input.checkReject,
  setAwareness: input.checkAwareness,
  setFact: input.checkFact,
  clockMet: input.checkClockMet,
  confirmReceipt: input.checkReceipt,
  setPhase: input.checkPhase,
  resolve: input.checkResolve,
  linkRefused: input.checkLinkRefusal,
  alert: input.checkAlert,
};

const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype'];
const FIELDS = [
  'by',
  'step',
  'reason',
  'note',
  'at',
  'name',
  'value',
  'clock',
  'recipient',
  'via',
  'phase',
  'id',
];

/** Payloads shaped like the real ones, with hostile values and keys mixed in. */
const payload = fc.oneof(
  fc.anything({ withNullPrototype: true, withObjectString: true, maxDepth: 3 }),
  fc.dictionary(
    fc.constantFrom(...FIELDS, ...PROTO_KEYS),
    fc.oneof(
      fc.anything({ maxDepth: 2 }),
      fc.constantFrom(...PROTO_KEYS, 'ana', 'approve-rotation', 'contained', '1970-01-01T00:00:00Z'),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.string({ maxLength: 3000 }),
    ),
  ),
  fc.constantFrom(...PROTO_KEYS).map((k) => JSON.parse(`{"${k}": {"by": "ana"}, "by": "ana"}`) as unknown),
);

describe('responder input, fuzzed in process', () => {
  it('every check answers valid or refused with a reason, and never throws (10,000 payloads)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...(Object.keys(CHECKS) as (keyof typeof CHECKS)[])),
        payload,
        (name, p) => {
          const checked = CHECKS[name](p);
          if (checked.ok) {
            for (const [key, value] of Object.entries(checked.value)) {
              assert.ok(!PROTO_KEYS.includes(key), `${name}: no prototype key ${key}`);
              if (typeof value === 'string') assert.ok(value.length <= 4000, `${name}.${key} bounded`);
            }
          } else {
            assert.match(checked.reason, /^[a-zA-Z]+: ./, `${name}: the reason names the field`);
          }
        },
      ),
      { numRuns: 10_000, seed: 42 },
    );
  });

  it('facts and approvals never take a prototype key for a declared one', () => {
    const facts: IncidentFacts = {
      title: 't',
      pattern: 'token-expiry',
      severity: 'sev1',
      region: 'eu',
      euPersonalData: false,
      source: 'generic',
      labels: {},
      custom: { impact: 'high' },
    };
    const approval: ApprovalStatus = {
      step: 'approve-rotation',
      title: 'Approve',
      approvers: { roles: [], people: ['ben', 'erin'] },
      quorum: 2,
      twoPersonRule: true,
      requestedAt: '2026-11-30T00:00:00Z',
      requestedBy: 'ana',
      level: 1,
      state: 'pending',
      eligible: ['ben', 'erin'],
      decisions: [],
    };
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string()),
        fc.anything(),
        fc.constantFrom('boolean', 'number', 'list', 'string') as fc.Arbitrary<
          'boolean' | 'number' | 'list' | 'string'
        >,
        (name, raw, type) => {
          if (name !== 'impact') assert.equal(factValue(facts, name), undefined, name);
          const coerced = coerceFact(name, { type }, raw);
          assert.ok('value' in coerced || 'error' in coerced);
          const verdict = judge(
            { step: name, by: name, decision: 'approve' },
            approval,
            ['approve-rotation'],
            name,
          );
          assert.equal(verdict.ok, false, `${name} may not approve`);
        },
      ),
      { numRuns: 2_000, seed: 7 },
    );
  });

  it('refuses times far before the first alert or in the future', () => {
    const window = {
      detectedAt: '2026-11-30T00:00:00.000Z',
      nowMs: Date.parse('2026-11-30T01:00:00Z'),
      pastMarginMs: 30 * 86_400_000,
    };
    assert.match(
      input.timeOutsideWindow('at', '1999-01-01T00:00:00.000Z', window)!,
      /more than 30 day\(s\) before/,
    );
    assert.match(input.timeOutsideWindow('at', '2026-12-01T00:00:00.000Z', window)!, /in the future/);
    assert.equal(input.timeOutsideWindow('at', '2026-11-20T00:00:00.000Z', window), undefined);
    assert.equal(
      input.timeOutsideWindow('at', '2026-11-30T01:00:30.000Z', window),
      undefined,
      'a minute of skew',
    );
  });
});
