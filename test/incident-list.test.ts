/** The status page's listing: counts, filters, urgency order and pages, without a server. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ListedIncident } from '../client/open-incidents';
import { byUrgency, countsOf, listPage, type ListRequest } from '../status-page/incident-list';
import { parseStatusListQuery, PAGE_SIZE_MAX } from '../gateway/status-list-query';

const NOW = new Date('2026-11-30T12:00:00Z');
const at = (minutesFromNow: number) => new Date(NOW.getTime() + minutesFromNow * 60_000).toISOString();

function listed(id: string, over: Partial<ListedIncident> = {}): ListedIncident {
  return {
    id,
    startedAt: at(-60),
    pattern: 'certificate-chain',
    severity: 'sev2',
    region: 'eu',
    phase: 'acknowledged',
    escalationLevel: 0,
    pendingApprovals: 0,
    nextDeadline: null,
    approvers: [],
    ...over,
  };
}

const request = (over: Partial<ListRequest> = {}): ListRequest => ({
  page: 1,
  pageSize: 25,
  person: 'ben',
  now: NOW,
  ...over,
});

const arbitraryIncident = fc.record({
  id: fc.uuid(),
  startedAt: fc.integer({ min: -10_000, max: 0 }).map(at),
  pattern: fc.constantFrom('certificate-chain', 'acl-misconfiguration', null),
  severity: fc.constantFrom('sev1', 'sev2', 'sev3', null),
  region: fc.constantFrom('eu', 'us', null),
  phase: fc.constantFrom('detected', 'acknowledged', 'contained', null),
  escalationLevel: fc.constantFrom(0, 1, null),
  pendingApprovals: fc.integer({ min: 0, max: 3 }),
  nextDeadline: fc.option(fc.integer({ min: -30, max: 600 }).map(at)),
  approvers: fc.option(fc.subarray(['ana', 'ben', 'erin'])),
});
const arbitraryIncidents = fc.uniqueArray(arbitraryIncident, { selector: (i) => i.id, maxLength: 120 });

describe('status page listing (pure)', () => {
  it('orders by severity, nearest deadline, approvals waiting, not acknowledged, then the oldest', () => {
    const incidents = [
      listed('old-sev3', { severity: 'sev3', startedAt: at(-9_000) }),
      listed('sev2-acked'),
      listed('sev2-unacked', { phase: 'detected' }),
      listed('sev2-approval', { pendingApprovals: 1, approvers: ['ana'] }),
      listed('sev2-deadline-later', { nextDeadline: at(120) }),
      listed('sev2-deadline-soon', { nextDeadline: at(10) }),
      listed('sev1-newest', { severity: 'sev1', startedAt: at(-1) }),
      listed('sev1-oldest', { severity: 'sev1', startedAt: at(-500) }),
      listed('no-severity', { severity: null }),
    ];
    assert.deepEqual(
      [...incidents].sort(byUrgency).map((i) => i.id),
      [
        'sev1-oldest',
        'sev1-newest',
        'sev2-deadline-soon',
        'sev2-deadline-later',
        'sev2-approval',
        'sev2-unacked',
        'sev2-acked',
        'old-sev3',
        'no-severity',
      ],
    );
  });

  it('counts over every open incident, whatever the filter', () => {
    const incidents = [
      listed('a', { phase: 'detected', pendingApprovals: 2, approvers: ['ben'], nextDeadline: at(30) }),
      listed('b', { phase: 'detected', nextDeadline: at(-5) }),
      listed('c', { pendingApprovals: 1, approvers: null, nextDeadline: at(61) }),
      listed('d', { severity: 'sev1' }),
    ];
    const expected = { open: 4, unacknowledged: 2, approvalsWaiting: 3, deadlinesWithinHour: 2 };
    assert.deepEqual(countsOf(incidents, NOW), expected);
    const page = listPage(incidents, request({ severity: 'sev1' }));
    assert.deepEqual(page.counts, expected);
    assert.deepEqual([page.totalOpen, page.matching], [4, 1]);
  });

  it('"waiting for me" keeps the incidents whose approvers include the person, and those that have not said', () => {
    const incidents = [
      listed('ben-may', { pendingApprovals: 1, approvers: ['ana', 'ben'] }),
      listed('ana-only', { pendingApprovals: 1, approvers: ['ana'] }),
      listed('unpublished', { pendingApprovals: 1, approvers: null }),
      listed('none', {}),
    ];
    const ids = (person: string) =>
      listPage(incidents, request({ mine: true, person }))
        .incidents.map((i) => i.id)
        .sort();
    assert.deepEqual(ids('ben'), ['ben-may', 'unpublished']);
    assert.deepEqual(ids('ana'), ['ana-only', 'ben-may', 'unpublished']);
  });

  it('a page past the end shows the last page', () => {
    const incidents = Array.from({ length: 30 }, (_, i) => listed(`i${i}`));
    const page = listPage(incidents, request({ page: 9, pageSize: 25 }));
    assert.deepEqual([page.page, page.pages, page.incidents.length], [2, 2, 5]);
    assert.deepEqual([listPage([], request()).page, listPage([], request()).pages], [1, 1]);
  });

  it('property: the pages together show every matching incident exactly once, in urgency order', () => {
    fc.assert(
      fc.property(
        arbitraryIncidents,
        fc.integer({ min: 1, max: 40 }),
        fc.record({
          severity: fc.constantFrom(undefined, 'sev1', 'sev2'),
          region: fc.constantFrom(undefined, 'eu'),
          phase: fc.constantFrom(undefined, 'detected'),
          mine: fc.boolean(),
        }),
        (incidents, pageSize, filter) => {
          const first = listPage(incidents, request({ pageSize, ...filter }));
          const shown: ListedIncident[] = [];
          for (let page = 1; page <= first.pages; page++)
            shown.push(...listPage(incidents, request({ page, pageSize, ...filter })).incidents);
          const expected = incidents.filter(
            (i) =>
              (!filter.severity || i.severity === filter.severity) &&
              (!filter.region || i.region === filter.region) &&
              (!filter.phase || i.phase === filter.phase) &&
              (!filter.mine || (i.approvers ? i.approvers.includes('ben') : i.pendingApprovals > 0)),
          );
          assert.equal(first.matching, expected.length);
          assert.equal(first.pages, Math.max(1, Math.ceil(expected.length / pageSize)));
          assert.deepEqual(shown.map((i) => i.id).sort(), expected.map((i) => i.id).sort());
          for (let k = 1; k < shown.length; k++)
            assert.ok(byUrgency(shown[k - 1]!, shown[k]!) < 0, `${shown[k - 1]!.id} before ${shown[k]!.id}`);
        },
      ),
    );
  });

  it('property: the order does not depend on the order visibility answered in', () => {
    fc.assert(
      fc.property(
        arbitraryIncidents.chain((incidents) =>
          fc.tuple(fc.constant(incidents), fc.shuffledSubarray(incidents, { minLength: incidents.length })),
        ),
        ([incidents, shuffled]) => {
          const ids = (list: ListedIncident[]) =>
            listPage(list, request({ pageSize: PAGE_SIZE_MAX })).incidents.map((i) => i.id);
          assert.deepEqual(ids(shuffled), ids(incidents));
        },
      ),
    );
  });

  it('property: a sev1 is never below a sev2 or sev3, nor a known deadline below an unknown one of the same severity', () => {
    fc.assert(
      fc.property(arbitraryIncidents, (incidents) => {
        const sorted = [...incidents].sort(byUrgency);
        const rank = (s: string | null) => ({ sev1: 0, sev2: 1, sev3: 2 })[s ?? ''] ?? 9;
        for (let k = 1; k < sorted.length; k++) {
          const [a, b] = [sorted[k - 1]!, sorted[k]!];
          assert.ok(rank(a.severity) <= rank(b.severity));
          if (rank(a.severity) === rank(b.severity))
            assert.ok(!(a.nextDeadline === null && b.nextDeadline !== null));
        }
      }),
    );
  });

  it('validates the query string, naming the field, and takes empty values for "any"', () => {
    const ok = parseStatusListQuery({ page: '2', pageSize: '10', severity: 'sev1', region: '', mine: '1' });
    assert.deepEqual(ok, {
      ok: true,
      query: {
        page: 2,
        pageSize: 10,
        severity: 'sev1',
        region: undefined,
        mine: true,
      },
    });
    const defaults = parseStatusListQuery({});
    assert.ok(defaults.ok);
    assert.deepEqual([defaults.query.page, defaults.query.pageSize, defaults.query.mine], [1, 25, false]);
    const problems = (query: object) => {
      const parsed = parseStatusListQuery(query);
      assert.ok(!parsed.ok, JSON.stringify(query));
      return parsed.problems.join('; ');
    };
    assert.match(problems({ pageSize: String(PAGE_SIZE_MAX + 1) }), /^pageSize: /);
    assert.match(problems({ page: '0' }), /^page: /);
    assert.match(problems({ page: 'two' }), /^page: must be a whole number/);
    assert.match(problems({ severity: 'sev9' }), /^severity: /);
    assert.match(problems({ phase: ['detected', 'contained'] }), /^phase: /);
    assert.match(problems({ mine: 'yes' }), /^mine: /);
    assert.match(problems({ sort: 'oldest' }), /unknown parameter\(s\) sort \(known: page, pageSize/);
  });
});
