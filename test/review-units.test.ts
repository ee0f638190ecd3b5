/**
 * The post-incident review's pure parts (domain/review.ts): business days, the action reducers on
 * a frozen record, and when reminders fall due. The workflow's part is in test/review.test.ts.
 */
import assert from 'node:assert/strict';
import type { IncidentRecord } from '../domain/incident';
import type { Reduced, ReducerContext } from '../domain/incident-reducers';
import * as progress from '../domain/incident-progress';
import * as review from '../domain/review';
import { ReviewSettings, type Runbook } from '../domain/runbook';

const SETTINGS = ReviewSettings.parse({});
const RESOLVED = '2026-11-27T16:00:00.000Z'; // a Friday

function resolvedRecord(): IncidentRecord {
  return {
    phase: 'resolved',
    escalationLevel: 0,
    alertCount: 1,
    facts: {
      title: 'x',
      pattern: 'unclassified',
      severity: 'sev2',
      region: 'us',
      euPersonalData: false,
      source: 'generic',
      labels: {},
      custom: {},
    },
    alerts: [],
    acknowledgements: [],
    deliveries: [],
    receipts: [],
    steps: [],
    clocks: [],
    approvals: [],
    resolution: { by: 'ana', at: RESOLVED, reason: 'fixed' },
    attention: [],
    timeline: [],
    engine: progress.startingEngine('2026-11-27T10:00:00.000Z'),
  };
}

const ctxAt = (now: string): ReducerContext => ({
  runbook: {} as Runbook,
  now,
  outsideWindow: () => undefined,
  twoPersonAtDecision: () => true,
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

describe('post-incident review (no server)', () => {
  it('counts business days over weekends, in UTC', () => {
    assert.equal(review.businessDaysAfter(RESOLVED, 5), '2026-12-04T16:00:00.000Z'); // Fri → Fri
    assert.equal(review.businessDaysAfter('2026-11-28T09:00:00.000Z', 1), '2026-11-30T09:00:00.000Z'); // Sat → Mon
    assert.equal(review.businessDaysAfter('2026-11-30T09:00:00.000Z', 1), '2026-12-01T09:00:00.000Z');
  });

  it('opens, takes action items, refuses what does not fit, and ends when recorded', () => {
    const opened = deepFreeze(review.reviewOpened(resolvedRecord(), SETTINGS, RESOLVED));
    assert.equal(opened.phase, 'review');
    assert.deepEqual(opened.review, {
      state: 'open',
      openedAt: RESOLVED,
      due: '2026-12-04T16:00:00.000Z',
      items: [],
    });
    const now = '2026-11-30T09:00:00.000Z';
    const refusal = (r: Reduced) => (r.ok ? 'accepted' : r.refused);
    assert.equal(
      refusal(
        review.addReviewItem(opened, { title: 't', due: '2026-11-01T00:00:00.000Z', by: 'dev' }, ctxAt(now)),
      ),
      'due: 2026-11-01T00:00:00.000Z is in the past',
    );
    const added = review.addReviewItem(
      opened,
      { title: 'Alert on expiry', owner: 'ben', due: '2026-12-02T09:00:00.000Z', by: 'dev' },
      ctxAt(now),
    );
    assert.ok(added.ok);
    const withItem = deepFreeze(added.record);
    assert.equal(
      refusal(review.closeReviewItem(withItem, { item: 'A2', by: 'ben' }, ctxAt(now))),
      'unknown action item "A2" (items: A1)',
    );
    const assigned = review.assignReviewItem(withItem, { item: 'A1', owner: 'emil', by: 'dev' }, ctxAt(now));
    assert.ok(assigned.ok);
    assert.equal(assigned.record.review!.items[0]!.owner, 'emil');
    const closed = review.closeReviewItem(
      deepFreeze(assigned.record),
      { item: 'A1', by: 'emil' },
      ctxAt(now),
    );
    assert.ok(closed.ok);
    assert.equal(
      refusal(review.closeReviewItem(deepFreeze(closed.record), { item: 'A1', by: 'emil' }, ctxAt(now))),
      'action item A1 was already closed by emil',
    );
    const recorded = review.recordReview(
      deepFreeze(closed.record),
      { summary: 'learnt', by: 'dev' },
      ctxAt(now),
    );
    assert.ok(recorded.ok);
    assert.equal(recorded.record.review!.state, 'recorded');
    assert.equal(recorded.record.phase, 'resolved');
    assert.equal(
      refusal(review.waiveReview(deepFreeze(recorded.record), { reason: 'r', by: 'greta' }, ctxAt(now))),
      'the review is already recorded',
    );
    assert.match(
      refusal(review.recordReview(resolvedRecord(), { summary: 's', by: 'dev' }, ctxAt(now))),
      /^no post-incident review is open/,
    );
  });

  it('reminds a day before each due date, once', () => {
    let record = review.reviewOpened(resolvedRecord(), SETTINGS, RESOLVED);
    const added = review.addReviewItem(
      record,
      { title: 't', owner: 'ben', due: '2026-12-02T09:00:00.000Z', by: 'dev' },
      ctxAt(RESOLVED),
    );
    assert.ok(added.ok);
    record = added.record;
    const at = (iso: string) => Date.parse(iso);
    assert.equal(
      review.nextReminderAt(record.review!, SETTINGS, at(RESOLVED)),
      at('2026-12-01T09:00:00.000Z'),
    );
    assert.deepEqual(review.dueReminders(record.review!, SETTINGS, at('2026-12-01T08:59:59.000Z')), []);
    const due = review.dueReminders(record.review!, SETTINGS, at('2026-12-01T09:00:00.000Z'));
    assert.deepEqual(due, [{ about: 'A1', to: ['person:ben'], due: '2026-12-02T09:00:00.000Z' }]);
    record = review.remindersSent(record, due, '2026-12-01T09:00:00.000Z');
    assert.deepEqual(review.dueReminders(record.review!, SETTINGS, at('2026-12-01T10:00:00.000Z')), []);
    assert.equal(
      review.nextReminderAt(record.review!, SETTINGS, at('2026-12-01T10:00:00.000Z')),
      at('2026-12-03T16:00:00.000Z'),
    );
    assert.deepEqual(review.dueReminders(record.review!, SETTINGS, at('2026-12-03T16:00:00.000Z')), [
      { about: 'review', to: ['incident-commander'], due: '2026-12-04T16:00:00.000Z' },
    ]);
  });
});
