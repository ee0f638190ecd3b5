import assert from 'node:assert/strict';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import fc from 'fast-check';
import { loadDirectory, type Directory } from '../comms/directory';
import type { ExpirySource } from '../expiry/expiry-sources';
import { HighRiskPeriod, type HighRiskPeriodInput, type ReadinessState } from '../domain/high-risk-period';
import { periodWorkflowId } from '../client/ids';
import { decideVendorPackUpdate, periodStatusQuery, stopPeriodUpdate } from '../workflows/readiness-messages';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { SHIPPED_DIRECTORY, testContinuityDeps, testDeps } from './helpers/deps';
import { startTimeSkippingTemporal } from './helpers/temporal';
import { withWorker } from './helpers/worker';
import {
  seedOrg,
  shippedSalesforceDeps,
  startSalesforce,
  type SalesforceFixture,
} from './helpers/salesforce';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The shipped directory with rota owners, and the compliance pager handed to Mia (not compliance) for a while. */
function directoryWithGap(gap: { from: number; to: number }): Directory {
  const dir = structuredClone(loadDirectory(SHIPPED_DIRECTORY));
  dir.rotas['engineering-24x7']!.owner = 'ben';
  dir.rotas.compliance!.owner = 'greta';
  dir.rotas.compliance!.overrides.push({
    from: new Date(gap.from).toISOString(),
    to: new Date(gap.to).toISOString(),
    person: 'mia',
    reason: 'test: Mia holds the compliance pager',
  });
  return dir;
}

/**
 * Counts the runs of the continuous checks (each watch run asks every source once), at server
 * time: the activity's scheduled time, which the time-skipping server moves (Date.now() does not).
 */
function countingSource(): ExpirySource & { calls: number[] } {
  const calls: number[] = [];
  return {
    name: 'counting',
    calls,
    async check() {
      calls.push(Context.current().info.currentAttemptScheduledTimestampMs);
      return [];
    },
  };
}

describe('high-risk periods: readiness ahead, checks at the period cadence, the vendor pack (time-skipping server)', function () {
  this.timeout(240_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;

  before(async () => {
    mail = await startMailCatcher();
  });
  after(async () => {
    await mail?.close();
  });
  // A fresh server per test (see engine.test.ts: a later env.sleep may never return otherwise).
  beforeEach(async () => {
    env = await startTimeSkippingTemporal();
    mail.messages.splice(0);
  });
  afterEach(async () => {
    await env?.teardown();
  });

  async function startPeriod(taskQueue: string, input: HighRiskPeriodInput) {
    const period = HighRiskPeriod.parse(input);
    return env.client.workflow.start('highRiskPeriod', {
      taskQueue,
      workflowId: periodWorkflowId(period.id),
      args: [{ period, declaredBy: 'cli:test' }],
    });
  }

  it('tells the rota owner of a gap 7 days and again 24 hours ahead, with its hours, once each', async () => {
    const start = (await env.currentTimeMs()) + 10 * DAY;
    const gap = { from: start + 6 * HOUR, to: start + 10 * HOUR };
    const deps = testDeps(mail.url, { directory: directoryWithGap(gap) });
    await withWorker(env, deps, async (taskQueue) => {
      const handle = await startPeriod(taskQueue, {
        id: 'q4-control-review',
        kind: 'control-review',
        reason: 'Q4 ISO 27001 control review',
        start: new Date(start).toISOString(),
        until: new Date(start + 2 * DAY).toISOString(),
        coverageChecks: ['7d', '24h'],
      });
      await env.sleep(2 * DAY); // 8 days before: nothing checked yet
      assert.deepEqual((await handle.query(periodStatusQuery)).coverage, []);
      assert.equal(mail.messages.length, 0, 'nobody told before the 7-day check');

      await env.sleep(1 * DAY + HOUR); // past 7 days before
      const first = (await handle.query(periodStatusQuery)).coverage;
      assert.equal(first.length, 1);
      assert.deepEqual(first[0]!.gaps, [
        {
          from: new Date(gap.from).toISOString(),
          until: new Date(gap.to).toISOString(),
          missing: ['compliance'],
          owners: ['greta'],
        },
      ]);
      assert.deepEqual(first[0]!.told, [
        { owner: 'greta', outcome: 'delivered', messageId: first[0]!.told[0]!.messageId },
      ]);
      const [toGreta] = await mail.waitFor((m) => m.to.includes('greta.lindqvist@example.com'), 1);
      const stockholm = (t: number) =>
        new Date(t).toLocaleString('sv-SE', { timeZone: 'Europe/Stockholm' }).slice(0, 16);
      assert.ok(
        toGreta!.text.includes(`${stockholm(gap.from)} to ${stockholm(gap.to)} Europe/Stockholm`),
        toGreta!.text,
      );
      assert.match(toGreta!.text, /no compliance responder on call/);
      assert.ok(
        !mail.messages.some((m) => m.to.includes('ben.okafor@example.com')),
        'engineering is covered',
      );

      await env.sleep(6 * DAY); // past 24 h before
      const second = (await handle.query(periodStatusQuery)).coverage;
      assert.deepEqual(
        second.map((c) => [c.ahead, c.gaps.length]),
        [
          ['7d', 1],
          ['24h', 1],
        ],
      );
      await mail.waitFor((m) => m.to.includes('greta.lindqvist@example.com'), 2);
      await env.sleep(3 * DAY); // past the end: no third message
      const done = await handle.result();
      assert.equal(done.phase, 'over');
      assert.equal(mail.messages.filter((m) => m.to.includes('greta.lindqvist@example.com')).length, 2);
      assert.deepEqual(
        mail.messages.map((m) => m.headers.get('x-lockout-step')),
        ['coverage-7d', 'coverage-24h'],
      );
    });
  });

  it('runs the continuous checks every 15 minutes during the period, and not before or after', async () => {
    const source = countingSource();
    const deps = testDeps(mail.url, {
      continuity: testContinuityDeps({ expirySources: [source] }),
    });
    const start = (await env.currentTimeMs()) + HOUR;
    const until = start + 2 * HOUR;
    await withWorker(env, deps, async (taskQueue) => {
      const handle = await startPeriod(taskQueue, {
        id: 'change-freeze',
        kind: 'change-freeze',
        reason: 'Black Friday change freeze',
        start: new Date(start).toISOString(),
        until: new Date(until).toISOString(),
        checkEvery: '15m',
        coverageChecks: [],
      });
      await env.sleep(55 * 60_000);
      assert.equal(source.calls.length, 0, 'no run at the period cadence before it starts');
      const state: ReadinessState = await handle.result();
      assert.equal(state.phase, 'over');
      assert.equal(state.checks.runs, 8, '0, 15, …, 105 minutes into a two-hour period');
      assert.equal(source.calls.length, 8);
      const offsets = source.calls.map((t) => Math.round((t - start) / 60_000));
      assert.deepEqual(offsets, [0, 15, 30, 45, 60, 75, 90, 105]);
      await env.sleep(2 * HOUR); // after the period: the period runs nothing more
      assert.equal(source.calls.length, 8);
    });
  });

  describe('the vendor-assessment pack before the period', () => {
    let sf: SalesforceFixture;
    before(async () => {
      sf = await startSalesforce();
      seedOrg(sf.double, sf.integrationUserId);
    });
    after(async () => {
      await sf?.double.close();
    });

    it('asks for approval 7 days ahead, sends the pack once after approval, never again', async () => {
      const deps = testDeps(mail.url, { salesforce: shippedSalesforceDeps(sf.session()) });
      const start = (await env.currentTimeMs()) + 10 * DAY;
      await withWorker(env, deps, async (taskQueue) => {
        const handle = await startPeriod(taskQueue, {
          id: 'soc2-window',
          kind: 'soc2-surveillance',
          reason: 'SOC 2 surveillance audit',
          start: new Date(start).toISOString(),
          until: new Date(start + DAY).toISOString(),
          coverageChecks: [],
          vendorPack: { ahead: '7d' },
        });
        await env.sleep(2 * DAY);
        assert.equal((await handle.query(periodStatusQuery)).vendorPack.state, 'waiting');
        const early = await handle.executeUpdate(decideVendorPackUpdate, {
          args: [{ by: 'chloe', decision: 'approve' }],
        });
        assert.equal(early, 'refused: the vendor pack is waiting, not awaiting approval');

        await env.sleep(1 * DAY + HOUR);
        const asking = await handle.query(periodStatusQuery);
        assert.equal(asking.vendorPack.state, 'awaiting-approval');
        // The approvers (compliance by default) are asked, once; the pack itself waits.
        const [request] = await mail.waitFor(
          (m) => m.headers.get('x-lockout-step') === 'vendor-pack-approval',
        );
        assert.deepEqual(request!.to, ['chloe.martin@example.com']);
        assert.match(
          request!.subject,
          /Approve the vendor-assessment pack before high-risk period soc2-window/,
        );
        assert.ok(request!.text.includes('npx lockout period approve-pack soc2-window --by <your-name>'));
        assert.deepEqual(
          (await handle.query(periodStatusQuery)).vendorPack.asked?.map((a) => [a.person, a.outcome]),
          [['chloe', 'delivered']],
        );
        assert.equal(
          mail.messages.filter((m) => m.headers.get('x-lockout-step') === 'vendor-pack').length,
          0,
          'nothing sent before approval',
        );
        assert.equal(
          await handle.executeUpdate(decideVendorPackUpdate, {
            args: [{ by: 'chloe', decision: 'approve' }],
          }),
          'accepted',
        );
        const letters = await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'vendor-pack', 2);
        assert.deepEqual(letters.map((m) => m.to[0]).sort(), [
          'greta.buyer@globex.example',
          'ivy@initech.example',
        ]);
        assert.ok(
          letters.every((m) => m.attachments.length > 0),
          'the pack documents are attached',
        );
        const again = await handle.executeUpdate(decideVendorPackUpdate, {
          args: [{ by: 'greta', decision: 'approve' }],
        });
        assert.match(again, /^refused: the vendor pack is (sending|sent)/);
        const state = await handle.result();
        assert.equal(state.vendorPack.state, 'sent', state.vendorPack.summary);
        assert.equal(state.vendorPack.by, 'chloe');
        assert.equal(
          mail.messages.filter((m) => m.headers.get('x-lockout-step') === 'vendor-pack').length,
          2,
        );
        assert.equal(
          mail.messages.filter((m) => m.headers.get('x-lockout-step') === 'vendor-pack-approval').length,
          1,
          'the approvers were asked once',
        );
      });
    });

    it('sends nothing when nobody approves before the start', async () => {
      const deps = testDeps(mail.url, { salesforce: shippedSalesforceDeps(sf.session()) });
      const start = (await env.currentTimeMs()) + 3 * DAY;
      await withWorker(env, deps, async (taskQueue) => {
        const handle = await startPeriod(taskQueue, {
          id: 'infra-move',
          kind: 'infrastructure-change',
          reason: 'Data centre move',
          start: new Date(start).toISOString(),
          until: new Date(start + HOUR).toISOString(),
          coverageChecks: [],
          checkEvery: '1h',
          vendorPack: { ahead: '2d' },
        });
        const state = await handle.result(); // runs past the start and the end
        assert.equal(state.vendorPack.state, 'expired');
        assert.deepEqual(
          mail.messages.map((m) => m.headers.get('x-lockout-step')),
          ['vendor-pack-approval'],
          'the approvers were asked; the pack was never sent',
        );
      });
    });
  });

  it('refuses malformed stop and decision requests by field, changing nothing, and stops on a valid one', async () => {
    const deps = testDeps(mail.url);
    const start = (await env.currentTimeMs()) + 30 * DAY;
    await withWorker(env, deps, async (taskQueue) => {
      const handle = await startPeriod(taskQueue, {
        id: 'fuzzed',
        reason: 'hostile input',
        start: new Date(start).toISOString(),
        until: new Date(start + DAY).toISOString(),
        coverageChecks: [],
        vendorPack: {},
      });
      const before = await handle.query(periodStatusQuery);
      const hostile = fc.oneof(
        fc.anything(),
        fc.record({
          by: fc.oneof(fc.constant(''), fc.constant('\u0007'), fc.integer()),
          reason: fc.string(),
        }),
        fc.record({ by: fc.string({ minLength: 1 }), decision: fc.string() }),
      );
      let sent = 0;
      await fc.assert(
        fc.asyncProperty(hostile, fc.boolean(), async (payload, stop) => {
          const update = stop ? stopPeriodUpdate : decideVendorPackUpdate;
          let answer: string;
          try {
            answer = await handle.executeUpdate(update as typeof stopPeriodUpdate, {
              args: [payload as never],
            });
          } catch (err) {
            // Payloads the SDK cannot even encode (e.g. BigInt) never reach the workflow.
            if (err instanceof WorkflowUpdateFailedError) throw err;
            return;
          }
          sent++;
          assert.match(answer, /^refused: /);
        }),
        { numRuns: 40, seed: 18 },
      );
      const after = await handle.query(periodStatusQuery);
      assert.deepEqual(
        { ...after, refusals: [] },
        { ...before, refusals: [] },
        'nothing but refusals changed',
      );
      assert.equal(after.refusals.length, Math.min(sent, 20));
      assert.ok(
        after.refusals.every(
          (r) => /^(input|by|reason|decision)\b/.test(r.reason) || /not awaiting/.test(r.reason),
        ),
      );
      assert.equal(
        await handle.executeUpdate(stopPeriodUpdate, { args: [{ by: 'ana', reason: 'review moved' }] }),
        'accepted',
      );
      const state = await handle.result();
      assert.equal(state.phase, 'stopped');
      assert.equal(state.vendorPack.state, 'waiting');
      const history = await handle.fetchHistory();
      assert.ok(!history.events?.some((e) => e.workflowTaskFailedEventAttributes), 'no workflow task failed');
    });
  });
});
