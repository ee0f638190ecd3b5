/**
 * Folding the carried timeline (domain/timeline-fold.ts), in process: incidents that hand over
 * many times, with any number of entries per run and any bound, carry a bounded timeline and
 * lose no entry; the evidence side reads every one back.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TimelineEntry } from '../domain/incident';
import { foldTimeline, isFolded, timelineLength, unfoldTimeline } from '../domain/timeline-fold';

const entry = (n: number): TimelineEntry => ({
  at: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
  kind: 'notification',
  summary: `entry ${n}`,
});

/** Runs an incident through `perRun.length` runs; returns each run's start timeline and the last. */
function handOvers(perRun: number[], keep: number) {
  let next = 0;
  let timeline: TimelineEntry[] = [];
  const starts: TimelineEntry[][] = [];
  for (const recorded of perRun) {
    starts.push(timeline);
    const received = timeline.length;
    timeline = [...timeline, ...Array.from({ length: recorded }, () => entry(next++))];
    timeline = foldTimeline(timeline, received, keep);
  }
  return { starts, last: timeline, total: next };
}

describe('the carried timeline, folded', () => {
  it('keeps short timelines as they are', () => {
    const timeline = [entry(0), entry(1)];
    assert.deepEqual(foldTimeline(timeline, 2, 5), timeline);
  });

  it('folds only entries the run received, the oldest first, counting all folded so far', () => {
    const received = Array.from({ length: 8 }, (_, i) => entry(i));
    const recordedHere = [entry(8), entry(9)];
    const once = foldTimeline([...received, ...recordedHere], 8, 3);
    assert.equal(once.length, 4);
    assert.ok(isFolded(once[0]!));
    assert.equal(once[0]!.folded, 7);
    assert.match(once[0]!.summary, /^7 earlier entries \(to 2026-01-01T00:00:06\.000Z\) are kept in full/);
    assert.deepEqual(once.slice(1), [entry(7), entry(8), entry(9)]);
    // Nothing received: nothing folded, however long (its text would be in no history).
    assert.equal(foldTimeline([...received, ...recordedHere], 0, 3).length, 10);
    // The next run folds on from the count it received.
    const twice = foldTimeline([...once, entry(10), entry(11)], once.length, 2);
    assert.ok(isFolded(twice[0]!));
    assert.equal(twice[0].folded, 10);
    assert.deepEqual(twice.slice(1), [entry(10), entry(11)]);
  });

  it('is bounded and loses nothing over any number of hand-overs (10,000 incidents)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(40), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 30 }),
        (perRun, keep) => {
          const { starts, last, total } = handOvers(perRun, keep);
          assert.equal(timelineLength(last), total);
          starts.forEach((start, k) => {
            const recordedBefore = k > 0 ? perRun[k - 1]! : 0;
            assert.ok(
              start.length <= 1 + Math.max(keep, recordedBefore),
              `run ${k + 1}: ${start.length} entries`,
            );
            assert.ok(
              start.slice(1).every((e) => !isFolded(e)),
              'one folded entry, first',
            );
          });
          const read = unfoldTimeline([...starts, last]);
          assert.equal(read.missing, 0);
          assert.deepEqual(
            read.timeline,
            Array.from({ length: total }, (_, n) => entry(n)),
          );
        },
      ),
      { numRuns: 10_000, seed: 2026 },
    );
  });

  it('reports entries no timeline holds instead of guessing', () => {
    const folded = foldTimeline([entry(0), entry(1), entry(2), entry(3)], 4, 1);
    // The start timeline that held entries 0–2 is missing.
    const read = unfoldTimeline([folded]);
    assert.equal(read.missing, 3);
    assert.deepEqual(read.timeline, [entry(3)]);
  });
});
