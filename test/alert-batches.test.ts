/**
 * Group commit of a run's alerts (client/alert-batches.ts) without a server: the signal sender is
 * a function of the test that records what it was given and answers when the test says so.
 * The gateway storm test (gateway-storm.test.ts) checks the same against a real server.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AlertBatches, MAX_BATCH_ALERTS, MAX_BATCH_BYTES } from '../client/alert-batches';
import type { Alert } from '../domain/alert';

function alert(n: number, extra = ''): Alert {
  return {
    fingerprint: 'fp',
    source: 'generic',
    status: 'firing',
    title: `alert ${n}${extra}`,
    labels: {},
    receivedAt: '2026-12-02T00:00:00.000Z',
  } as unknown as Alert;
}

/** A sender whose calls stay in flight until the test settles them, one by one, in order. */
function heldSender() {
  const calls: Array<{ titles: string[]; deadline: number; settle: (err?: Error) => void }> = [];
  const send = (alerts: Alert[], deadline: number) =>
    new Promise<void>((resolve, reject) =>
      calls.push({
        titles: alerts.map((a) => a.title),
        deadline,
        settle: (err) => (err ? reject(err) : resolve()),
      }),
    );
  return { calls, send };
}

const tick = () => new Promise((r) => setImmediate(r));

/** A deadline no test reaches. */
const LATER = Date.parse('2100-01-01T00:00:00Z');

describe('alert batches (group commit per run)', () => {
  it('sends a lone alert at once, on its own', async () => {
    const batches = new AlertBatches();
    const { calls, send } = heldSender();
    const sent = batches.send('run-1', alert(1), LATER, send);
    assert.deepEqual(
      calls.map((c) => c.titles),
      [['alert 1']],
    );
    calls[0]!.settle();
    await sent;
    await tick();
    assert.equal(batches.inFlight, 0);
  });

  it('sends the alerts that queued behind a signal in flight together, in arrival order', async () => {
    const batches = new AlertBatches();
    const { calls, send } = heldSender();
    const all = [1, 2, 3, 4].map((n) => batches.send('run-1', alert(n), LATER, send));
    assert.equal(calls.length, 1, 'only the first is in flight');
    calls[0]!.settle();
    await tick();
    assert.deepEqual(calls[1]!.titles, ['alert 2', 'alert 3', 'alert 4']);
    calls[1]!.settle();
    await Promise.all(all);
    await tick();
    assert.equal(calls.length, 2);
    assert.equal(batches.inFlight, 0);
  });

  it('sends a batch with the earliest deadline of the alerts it carries', async () => {
    const batches = new AlertBatches();
    const { calls, send } = heldSender();
    const first = batches.send('run-1', alert(1), 1_000, send);
    const later = batches.send('run-1', alert(2), 5_000, send);
    const earlier = batches.send('run-1', alert(3), 2_000, send);
    assert.equal(calls[0]!.deadline, 1_000, 'the first goes with its own');
    calls[0]!.settle();
    await first;
    await tick();
    assert.deepEqual(calls[1]!.titles, ['alert 2', 'alert 3']);
    assert.equal(calls[1]!.deadline, 2_000, 'waiting never stretches a sender’s deadline');
    calls[1]!.settle();
    await Promise.all([later, earlier]);
  });

  it('keeps runs apart', async () => {
    const batches = new AlertBatches();
    const { calls, send } = heldSender();
    const a = batches.send('run-a', alert(1), LATER, send);
    const b = batches.send('run-b', alert(2), LATER, send);
    assert.equal(calls.length, 2, 'another run does not wait');
    for (const c of calls) c.settle();
    await Promise.all([a, b]);
  });

  it('a failed signal fails exactly the alerts it carried; the next batch still goes', async () => {
    const batches = new AlertBatches();
    const { calls, send } = heldSender();
    const first = batches.send('run-1', alert(1), LATER, send);
    const second = batches.send('run-1', alert(2), LATER, send);
    const third = batches.send('run-1', alert(3), LATER, send);
    calls[0]!.settle();
    await first;
    await tick();
    const fourth = batches.send('run-1', alert(4), LATER, send);
    calls[1]!.settle(new Error('workflow not found'));
    await assert.rejects(second, /workflow not found/);
    await assert.rejects(third, /workflow not found/);
    await tick();
    assert.deepEqual(calls[2]!.titles, ['alert 4']);
    calls[2]!.settle();
    await fourth;
  });

  it('the first alert hears its own failure, and what queued behind it is still sent', async () => {
    const batches = new AlertBatches();
    const { calls, send } = heldSender();
    const first = batches.send('run-1', alert(1), LATER, send);
    const second = batches.send('run-1', alert(2), LATER, send);
    calls[0]!.settle(new Error('unavailable'));
    await assert.rejects(first, /unavailable/);
    await tick();
    assert.deepEqual(calls[1]!.titles, ['alert 2']);
    calls[1]!.settle();
    await second;
  });

  it(`never puts more than ${MAX_BATCH_ALERTS} alerts or ${MAX_BATCH_BYTES / 1024} KiB in one signal`, async () => {
    const batches = new AlertBatches();
    const signals: Alert[][] = [];
    const send = async (alerts: Alert[]) => {
      signals.push(alerts);
      await tick();
    };
    const big = 'x'.repeat(60 * 1024);
    await Promise.all([
      ...Array.from({ length: MAX_BATCH_ALERTS + 6 }, (_, n) => batches.send('run-1', alert(n), LATER, send)),
      ...Array.from({ length: 6 }, (_, n) => batches.send('run-1', alert(1000 + n, big), LATER, send)),
    ]);
    assert.deepEqual(
      signals.map((s) => s.length),
      [1, MAX_BATCH_ALERTS, 5 + 4, 2],
      'the lone first; a full batch; the other five and the four big ones 256 KiB holds; the last two',
    );
    for (const s of signals)
      assert.ok(s.length === 1 || JSON.stringify(s).length <= MAX_BATCH_BYTES + s.length + 2);
  });

  it('whatever the order of arrivals and failures, each alert goes in exactly one signal', () =>
    fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ run: fc.constantFrom('a', 'b'), wait: fc.boolean() }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        async (arrivals, failures) => {
          const batches = new AlertBatches();
          const signals: Array<{ titles: string[]; failed: boolean }> = [];
          const send = async (alerts: Alert[]) => {
            const failed = failures[signals.length % failures.length]!;
            signals.push({ titles: alerts.map((a) => a.title), failed });
            await tick();
            if (failed) throw new Error('refused');
          };
          const outcomes = await Promise.allSettled(
            arrivals.map(async ({ run, wait }, n) => {
              if (wait) await tick();
              return batches.send(run, alert(n), LATER, send);
            }),
          );
          const titles = signals.flatMap((s) => s.titles);
          assert.equal(new Set(titles).size, titles.length, 'no alert in two signals');
          assert.equal(titles.length, arrivals.length, 'every alert in a signal');
          // Each caller hears its own signal's outcome.
          outcomes.forEach((o, n) => {
            const carried = signals.find((s) => s.titles.includes(`alert ${n}`))!;
            assert.equal(o.status === 'rejected', carried.failed, `alert ${n}`);
          });
          await tick();
          assert.equal(batches.inFlight, 0, 'nothing left in flight');
        },
      ),
      { numRuns: 100, seed: 20261202 },
    ));
});
