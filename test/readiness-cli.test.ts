/**
 * `lockout period` as a subprocess against the dev server and a real worker: declare a period,
 * refuse bad arguments by flag (exit 2), list it, refuse a pack decision that is not awaited
 * (exit 1), stop it, and refuse the same id again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ReadinessState } from '../domain/high-risk-period';
import { activePeriodsSource, periodStatus } from '../client/periods';
import { incidentStatus, sendAlert, shippedRunbooks } from './helpers/incidents';
import { openOrJoinIncident } from '../client/open-incident';
import { parseGenericAlert } from '../intake/alerts';
import { runCli } from './helpers/cli';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { testDeps } from './helpers/deps';
import { startLocalTemporal } from './helpers/temporal';
import { withWorker } from './helpers/worker';

describe('lockout period (dev server, real worker, CLI subprocess)', function () {
  this.timeout(180_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
  });
  after(async () => {
    await env?.teardown();
    await mail?.close();
  });

  it('declares, lists, refuses and stops a period', async () => {
    await withWorker(env, testDeps(mail.url), async (taskQueue) => {
      const cli = (...args: string[]) =>
        runCli(args, { TEMPORAL_ADDRESS: env.address, LOCKOUT_TASK_QUEUE: taskQueue });
      const from = new Date(Date.now() + 30 * 86_400_000).toISOString();

      const [bad, missing] = await Promise.all([
        cli('period', 'start', 'Bad Id', '--until', 'soon', '--reason', 'x', '--check-every', '5'),
        cli('period', 'start', 'q1-review', '--until', '3d'),
      ]);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, /<id>: must be lower-case/);
      assert.match(bad.stderr, /--until: must be a date-time with offset/);
      assert.match(bad.stderr, /--check-every: "5" is not a duration/);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /--reason/);

      const started = await cli(
        'period',
        'start',
        'q1-review',
        '--from',
        from,
        '--until',
        '3d',
        '--reason',
        'Q1 control review',
        '--kind',
        'control-review',
        '--vendor-pack',
        '--by',
        'chloe',
        '--json',
      );
      assert.equal(started.code, 0, started.stderr);
      const out = JSON.parse(started.stdout) as { workflowId: string; outcome: string };
      assert.deepEqual([out.workflowId, out.outcome], ['period-q1-review', 'started']);
      const state: ReadinessState = await periodStatus(env.client, 'q1-review');
      assert.equal(state.declaredBy, 'cli:chloe');
      assert.equal(Date.parse(state.period.until) - Date.parse(state.period.start), 3 * 86_400_000);
      assert.equal(state.vendorPack.state, 'waiting');

      const [list, early, unknown] = await Promise.all([
        cli('period', 'list', '--json'),
        cli('period', 'approve-pack', 'q1-review', '--by', 'greta'),
        cli('period', 'stop', 'no-such-period', '--by', 'ana', '--reason', 'x'),
      ]);
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(
        (JSON.parse(list.stdout) as { id: string; running: boolean }[]).map((r) => [r.id, r.running]),
        [['q1-review', true]],
      );
      assert.equal(early.code, 1);
      assert.match(early.stderr, /refused: the vendor pack is waiting, not awaiting approval/);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /no period "no-such-period"/);

      const stopped = await cli('period', 'stop', 'q1-review', '--by', 'ana', '--reason', 'review moved');
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.equal(stopped.stdout.trim(), 'q1-review: accepted');
      const result = (await env.client.workflow.getHandle('period-q1-review').result()) as ReadinessState;
      assert.equal(result.phase, 'stopped');
      assert.deepEqual(result.stopped && [result.stopped.by, result.stopped.reason], ['ana', 'review moved']);

      const again = await cli('period', 'start', 'q1-review', '--until', '1d', '--reason', 'again');
      assert.equal(again.code, 1);
      assert.match(again.stderr, /was declared before: choose another id/);
    });
  });

  it('marks incidents opened while a period is under way, and not others', async () => {
    await withWorker(env, testDeps(mail.url), async (taskQueue) => {
      const cli = (...args: string[]) =>
        runCli(args, { TEMPORAL_ADDRESS: env.address, LOCKOUT_TASK_QUEUE: taskQueue });
      const active = activePeriodsSource(env.client, 0);
      const limits = { historyEvents: 10_000 };
      const before = await sendAlert(
        env.client,
        taskQueue,
        { title: 'before', fingerprint: 'mark-1' },
        undefined,
        limits,
      );
      const [now, later] = await Promise.all([
        cli(
          'period',
          'start',
          'freeze-now',
          '--until',
          '2h',
          '--reason',
          'change freeze',
          '--coverage',
          'none',
          '--acknowledge-within',
          '5m',
        ),
        cli(
          'period',
          'start',
          'freeze-later',
          '--from',
          new Date(Date.now() + 86_400_000).toISOString(),
          '--until',
          '2h',
          '--reason',
          'later',
          '--coverage',
          'none',
        ),
      ]);
      assert.equal(now.code, 0, now.stderr);
      assert.equal(later.code, 0, later.stderr);
      // Visibility trails the start by about a second.
      for (let i = 0; i < 50 && !(await active()).some((p) => p.id === 'freeze-now'); i++)
        await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(
        await active(),
        [{ id: 'freeze-now', acknowledgeWithin: '5m' }],
        'the later period is not under way; the window is read from the memo',
      );

      const intake = {
        client: env.client,
        taskQueue,
        runbooks: () => shippedRunbooks(),
        activePeriods: active,
      };
      const during = await openOrJoinIncident(
        intake,
        parseGenericAlert({ title: 'during', fingerprint: 'mark-2' }),
      );
      assert.equal(
        (await incidentStatus(env.client, during.incidentId)).facts.labels['high-risk-period'],
        'freeze-now',
      );
      assert.equal(
        (await incidentStatus(env.client, before.incidentId)).facts.labels['high-risk-period'],
        undefined,
      );
      await env.client.workflow.getHandle(during.incidentId).terminate('test done');
      await env.client.workflow.getHandle(before.incidentId).terminate('test done');
    });
  });

  it('lockout spend and the budget in lockout status', async () => {
    await withWorker(env, testDeps(mail.url), async (taskQueue) => {
      const budgetFile = join(mkdtempSync(join(tmpdir(), 'lockout-budget-')), 'crisis-budget.yaml');
      writeFileSync(budgetFile, 'normalCost: 100\n'); // envelope 300 EUR
      const cli = (...args: string[]) =>
        runCli(args, {
          TEMPORAL_ADDRESS: env.address,
          LOCKOUT_TASK_QUEUE: taskQueue,
          LOCKOUT_CRISIS_BUDGET_FILE: budgetFile,
        });
      const { incidentId } = await sendAlert(env.client, taskQueue, {
        title: 'spend',
        fingerprint: 'spend-cli',
      });
      const [bad, requested] = await Promise.all([
        cli('spend', 'request', incidentId, '--amount', '12,5', '--purpose', 'x', '--by', 'dev'),
        cli(
          'spend',
          'request',
          incidentId,
          '--amount',
          '400',
          '--purpose',
          'contractor\nacknowledged yes',
          '--by',
          'dev',
          '--json',
        ),
      ]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--amount: "12,5" is not an amount/);
      assert.equal(requested.code, 0, requested.stderr);
      assert.match(requested.stdout, /spend-1 requested/);

      const [own, notFinance] = await Promise.all([
        cli('spend', 'reject', incidentId, 'spend-1', '--by', 'dev', '--reason', 'no'),
        cli('spend', 'approve', incidentId, 'spend-1', '--by', 'ben'),
      ]);
      assert.equal(own.code, 1);
      assert.match(
        own.stderr,
        /refused: by: dev requested spend-1 and may not decide it \(two-person rule\)/,
      );
      assert.equal(notFinance.code, 1);
      assert.match(
        notFinance.stderr,
        /would take the incident over its envelope .* it needs someone with the role finance or executive/,
      );
      const approved = await cli('spend', 'approve', incidentId, 'spend-1', '--by', 'isabel');
      assert.equal(approved.code, 0, approved.stderr);

      const [human, json] = await Promise.all([
        cli('status', incidentId),
        cli('status', incidentId, '--json'),
      ]);
      assert.equal(human.code, 0, human.stderr);
      assert.match(
        human.stdout,
        /^Crisis budget: 400\.00 EUR of 300\.00 EUR \(133 %; 3 × normal 100\.00 EUR\) OVER THE ENVELOPE$/m,
      );
      assert.match(
        human.stdout,
        /emergency-spend +400\.00 EUR {2}spend-1: contractor acknowledged yes \(requested by dev, approved by isabel\)/,
      );
      const parsed = JSON.parse(json.stdout) as {
        budget: { total: number; state: string };
        spend: unknown[];
      };
      assert.deepEqual([parsed.budget.total, parsed.budget.state, parsed.spend.length], [400, 'over', 1]);
    });
  });
});
