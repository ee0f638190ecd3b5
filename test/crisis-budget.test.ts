/**
 * The crisis budget: the ledger's arithmetic (pure), then one incident on the time-skipping
 * server with an SMS through the Twilio double, an acknowledgement, emergency spend requested and
 * decided under the two-person rule, two hours of response and a resolution.
 */
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import { sendAction } from '../client/actions';
import { incidentLedger } from '../client/crisis-budget';
import { loadDirectory } from '../comms/directory';
import { CrisisBudgetConfig, crisisLedger, spendApprovalProblem } from '../domain/crisis-budget';
import type { IncidentStatus } from '../domain/incident';
import { startTwilioDouble, type TwilioDouble } from './doubles/twilio';
import { SHIPPED_DIRECTORY, testDeps } from './helpers/deps';
import { incidentStatus, sendAlert } from './helpers/incidents';
import { runbookFromYaml } from './helpers/runbooks';
import { startTimeSkippingTemporal } from './helpers/temporal';
import { withWorker } from './helpers/worker';
import { createClient } from '../temporal/encrypted';
import { TEST_KEYS } from './helpers/codec-keys';
import type { BudgetWatchReport } from '../activities/crisis-budget';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { buildOverview } from '../status-page/overview';
import { listPage } from '../status-page/incident-list';
import { listedOf } from './helpers/status';

const HOUR = 3_600_000;
const directory = loadDirectory(SHIPPED_DIRECTORY);
const config = CrisisBudgetConfig.parse({ normalCost: 1000 }); // envelope 3000 EUR

/** A resolved incident: Ana acknowledged at 10:00, Isabel decided at 11:00, Ana resolved at 12:00. */
function status(overrides: Partial<IncidentStatus> = {}): IncidentStatus {
  return {
    incidentId: 'lockout-budget',
    runbook: { id: 'r', version: 1, title: 'R' },
    facts: {
      title: 't',
      pattern: 'token-expiry',
      severity: 'sev1',
      region: 'eu',
      euPersonalData: false,
      source: 'test',
      labels: {},
      custom: {},
    },
    phase: 'resolved',
    detectedAt: '2026-12-01T09:50:00.000Z',
    escalationLevel: 0,
    escalationLevels: 1,
    alertCount: 1,
    alerts: [],
    acknowledgements: [{ by: 'ana', at: '2026-12-01T10:00:00.000Z' }],
    deliveries: [
      {
        at: '2026-12-01T09:51:00.000Z',
        step: 'page',
        recipient: 'ana',
        channel: 'sms',
        outcome: 'delivered',
        detail: 'Twilio queued, 2 segment(s)',
      },
      {
        at: '2026-12-01T09:51:00.000Z',
        step: 'page',
        recipient: 'ben',
        channel: 'voice',
        outcome: 'delivered',
        detail: 'Twilio call queued',
      },
      {
        at: '2026-12-01T09:51:00.000Z',
        step: 'page',
        recipient: 'dev',
        channel: 'sms',
        outcome: 'delivered',
        detail: 'Twilio sent, 1 segment(s), price -0.0790 USD',
      },
      {
        at: '2026-12-01T09:51:00.000Z',
        step: 'page',
        recipient: 'emil',
        channel: 'email',
        outcome: 'delivered',
      },
    ],
    receipts: [],
    resolution: { by: 'ana', at: '2026-12-01T12:00:00.000Z', reason: 'fixed' },
    steps: [],
    clocks: [],
    approvals: [],
    spend: [
      {
        id: 'spend-1',
        amount: 1200,
        purpose: 'contractor',
        requestedBy: 'dev',
        requestedAt: '2026-12-01T10:30:00.000Z',
        state: 'approved',
        decidedBy: 'isabel',
        decidedAt: '2026-12-01T11:00:00.000Z',
      },
      {
        id: 'spend-2',
        amount: 1000,
        purpose: 'capacity',
        requestedBy: 'dev',
        requestedAt: '2026-12-01T11:30:00.000Z',
        state: 'pending',
      },
    ],
    timeline: [
      { at: '2026-12-01T10:30:00.000Z', kind: 'approval', summary: 'spend requested', actor: 'dev' },
      { at: '2026-12-01T11:00:00.000Z', kind: 'approval', summary: 'spend approved', actor: 'isabel' },
    ],
    ...overrides,
  };
}

describe('the crisis budget', function () {
  this.timeout(180_000);

  it('costs responder time from acknowledgement to resolution, paid notifications and approved spend', () => {
    const ledger = incidentLedger(status(), directory, config, '2026-12-01T13:00:00.000Z');
    assert.deepEqual(
      ledger.lines.map((l) => [l.kind, l.what, l.amount]),
      [
        ['responder-time', 'ana', 190], // 2 h × 95 (sre)
        ['responder-time', 'dev', 180], // 1.5 h × 120 (incident commander)
        ['responder-time', 'isabel', 250], // 1 h × 250 (executive)
        ['notification', 'sms to ana (page)', 0.16], // 2 segments × 0.08
        ['notification', 'voice to ben (page)', 0.5],
        ['notification', 'sms to dev (page)', 0.08], // the provider's price, 0.079
        ['emergency-spend', 'spend-1: contractor', 1200],
      ],
    );
    assert.equal(ledger.total, 1820.74);
    assert.equal(ledger.envelope, 3000);
    assert.equal(ledger.state, 'within');
    assert.deepEqual([ledger.totalIfApproved, ledger.pendingGoesOver], [2820.74, false]);
    assert.equal(ledger.asOf, '2026-12-01T12:00:00.000Z', 'a resolved incident stops costing');
  });

  it('warns at 80 % of the envelope and asks finance or an executive before going over', () => {
    const spend = (amount: number, state: 'approved' | 'pending', id: string) => ({
      id,
      amount,
      purpose: 'p',
      requestedBy: 'dev',
      requestedAt: '2026-12-01T10:30:00.000Z',
      state,
      decidedBy: state === 'approved' ? 'isabel' : undefined,
    });
    const at = (approved: number, pending = 0) =>
      crisisLedger(
        status({
          acknowledgements: [],
          deliveries: [],
          timeline: [],
          resolution: undefined,
          spend: [
            spend(approved, 'approved', 'spend-1'),
            ...(pending ? [spend(pending, 'pending', 'spend-2')] : []),
          ],
        }),
        config,
        () => ({ rate: 0 }),
        '2026-12-01T12:00:00.000Z',
      );
    assert.equal(at(2399.99).state, 'within');
    assert.equal(at(2400).state, 'warning', '80 % of 3000');
    assert.equal(at(3000).state, 'warning');
    assert.equal(at(3000.01).state, 'over');

    const ledger = at(2500, 500);
    assert.equal(
      spendApprovalProblem(ledger, 'spend-2', ['engineering'], config),
      undefined,
      'exactly the envelope',
    );
    const over = at(2500, 500.01);
    assert.match(
      spendApprovalProblem(over, 'spend-2', ['engineering-lead'], config)!,
      /^spend-2 \(500.01 EUR\) would take the incident over its envelope \(2500 of 3000 EUR spent\): it needs someone with the role finance or executive$/,
    );
    assert.equal(spendApprovalProblem(over, 'spend-2', ['executive'], config), undefined);
  });

  it("shows each incident's ledger on the status page, and the page without it when the budget fails", () => {
    const s = { ...status(), resolution: undefined, phase: 'acknowledged' as const };
    const now = new Date('2026-12-01T12:00:00Z');
    const page = (budget: (st: IncidentStatus) => ReturnType<typeof incidentLedger>) =>
      buildOverview({
        list: listPage([listedOf(s)], { page: 1, pageSize: 25, person: 'dev', now }),
        reads: new Map([[s.incidentId, { ok: true as const, status: s }]]),
        person: 'dev',
        webUiLink: (id) => `http://ui/${id}`,
        health: [],
        now,
        budget,
      });
    const shown = page((st) => incidentLedger(st, directory, config, now.toISOString())).incidents[0]!
      .budget!;
    assert.deepEqual(
      [shown.total, shown.envelope, shown.state, shown.pending.map((p) => p.id)],
      [1820.74, 3000, 'within', ['spend-2']],
    );
    const broken = page(() => {
      throw new Error('crisis-budget.yaml: normalCost: must be more than 0');
    });
    assert.equal(broken.incidents[0]!.budget, undefined);
    assert.equal(broken.incidents.length, 1);
  });

  describe('on a running incident (time-skipping server, Twilio double)', () => {
    let env: TestWorkflowEnvironment;
    let twilio: TwilioDouble;
    before(async () => {
      twilio = await startTwilioDouble();
    });
    after(async () => {
      await twilio?.close();
    });
    beforeEach(async () => {
      env = await startTimeSkippingTemporal();
    });
    afterEach(async () => {
      await env?.teardown();
    });

    it('records spend requests, refuses the requester deciding and hostile payloads, and the ledger follows', async () => {
      const runbook = runbookFromYaml(`
id: budget-test
version: 1
title: Budget test
escalation: { levels: [ { after: 4h, notify: [engineering] } ] }
steps:
  - { id: page-ops, kind: notify, audience: operations, template: ops-technical-alert, channels: [sms] }
onResolve: { notify: [operations], channels: [sms] }
`);
      const deps = testDeps('smtp://127.0.0.1:9', {
        twilio: {
          accountSid: twilio.accountSid,
          auth: { authToken: twilio.authToken },
          from: '+15555550100',
          apiUrl: twilio.url,
          ca: twilio.ca,
        },
      });
      await withWorker(env, deps, async (taskQueue) => {
        const { incidentId } = await sendAlert(
          env.client,
          taskQueue,
          { title: 'budget', fingerprint: 'budget-1' },
          [runbook],
        );
        const act = (name: Parameters<typeof sendAction>[2], payload: object) =>
          sendAction(env.client, incidentId, name, payload as never);
        assert.equal((await act('acknowledge', { by: 'ana' })).outcome, 'accepted');
        const requested = await act('requestSpend', {
          by: 'dev',
          amount: 1200,
          purpose: 'contractor: Salesforce specialist',
        });
        assert.deepEqual(requested, {
          outcome: 'accepted',
          message: 'spend-1 requested; it needs a decision by someone else',
        });
        const own = await act('decideSpend', { by: 'dev', spend: 'spend-1', decision: 'approve' });
        assert.deepEqual(own, {
          outcome: 'refused',
          message: 'by: dev requested spend-1 and may not decide it (two-person rule)',
        });

        // Malformed requests are refused by field and change nothing.
        const before = await incidentStatus(env.client, incidentId);
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              fc.record({
                by: fc.constant('dev'),
                amount: fc.oneof(fc.constant(0), fc.constant(-5), fc.constant(1.001), fc.string()),
                purpose: fc.constant('x'),
              }),
              fc.record({ by: fc.constant('ana'), spend: fc.string(), decision: fc.constant('approve') }),
              fc.anything(),
            ),
            fc.boolean(),
            async (payload, request) => {
              const answer = await act(request ? 'requestSpend' : 'decideSpend', payload as object);
              assert.equal(answer.outcome, 'refused', JSON.stringify(payload));
              assert.match(answer.message, /^(payload|by|amount|purpose|spend|decision|id|reason):/);
            },
          ),
          { numRuns: 25, seed: 18 },
        );
        const after = await incidentStatus(env.client, incidentId);
        assert.deepEqual(after.spend, before.spend);

        assert.equal(
          (await act('decideSpend', { by: 'isabel', spend: 'spend-1', decision: 'approve' })).outcome,
          'accepted',
        );
        await env.sleep(2 * HOUR);
        assert.equal((await act('resolve', { by: 'ana', reason: 'token re-issued' })).outcome, 'accepted');
        const done = await incidentStatus(env.client, incidentId);
        assert.deepEqual(
          done.spend?.map((s) => [s.id, s.state, s.requestedBy, s.decidedBy]),
          [['spend-1', 'approved', 'dev', 'isabel']],
        );
        const sms = done.deliveries.find((d) => d.channel === 'sms')!;
        assert.match(sms.detail!, /^Twilio queued, \d+ segment\(s\)$/);
        const ledger = incidentLedger(done, directory, config);
        const ana = ledger.lines.find((l) => l.what === 'ana')!;
        assert.ok(ana.amount >= 190 && ana.amount < 191, `about 2 h × 95: ${ana.amount}`);
        assert.equal(ledger.lines.find((l) => l.kind === 'emergency-spend')?.amount, 1200);
        assert.ok(ledger.lines.some((l) => l.kind === 'notification' && l.what === 'sms to ana (page-ops)'));
        assert.match(
          done.timeline.map((e) => e.summary).join('\n'),
          /emergency spend spend-1 of 1200 approved by isabel/,
        );
      });
    });

    it('warns the incident commander once at 80 % and asks the executives once before a spend goes over', async () => {
      const mail: MailCatcher = await startMailCatcher();
      try {
        const runbook = runbookFromYaml(`
id: budget-watch-test
version: 1
title: Budget watch test
escalation: { levels: [ { after: 12h, notify: [engineering] } ] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
onResolve: { notify: [operations] }
`);
        let incidentId = '';
        const budgetConfig = CrisisBudgetConfig.parse({ normalCost: 100 }); // envelope 300, warning at 240
        const deps = {
          ...testDeps(mail.url),
          budget: {
            config: () => budgetConfig,
            openIncidents: async () => [await incidentStatus(env.client, incidentId)],
          },
        };
        await withWorker(env, deps, async (taskQueue) => {
          ({ incidentId } = await sendAlert(
            env.client,
            taskQueue,
            { title: 'budget', fingerprint: 'budget-2' },
            [runbook],
          ));
          // A plain client: env.client would skip time while it waits for the watch's result.
          const plain = createClient(
            { connection: env.connection, namespace: env.namespace ?? 'default' },
            TEST_KEYS,
          );
          let runs = 0;
          const watch = async () =>
            (await plain.workflow.execute('crisisBudgetWatch', {
              taskQueue,
              workflowId: `${taskQueue}-budget-${++runs}`,
            })) as BudgetWatchReport;
          const told = (step: RegExp) =>
            mail.messages.filter((m) => step.test(String(m.headers.get('x-lockout-step'))));
          assert.equal(
            (await sendAction(env.client, incidentId, 'acknowledge', { by: 'ana' })).outcome,
            'accepted',
          );

          await env.sleep(2.5 * HOUR); // Ana: 2.5 h × 95 = 237.50, under 80 % of 300
          const under = (await watch()).rows[0]!;
          // Server time also runs on while the test works: a few seconds more of Ana's time.
          assert.ok(under.total >= 237.5 && under.total < 238, String(under.total));
          assert.deepEqual([under.state, under.warned], ['within', []]);

          await env.sleep(0.1 * HOUR); // 2.6 h: 247.00
          const warned = (await watch()).rows[0]!;
          assert.ok(warned.total >= 247 && warned.total < 248, String(warned.total));
          assert.deepEqual([warned.state, warned.warned], ['warning', ['dev']]);
          const [warning] = await mail.waitFor(
            (m) => m.headers.get('x-lockout-step') === 'budget-warning',
            1,
          );
          assert.deepEqual(warning!.to, ['dev.patel@example.com']);
          assert.match(warning!.subject, /82 % of its envelope/);

          await sendAction(env.client, incidentId, 'requestSpend', {
            by: 'dev',
            amount: 50,
            purpose: 'extra capacity',
          });
          const within = (await watch()).rows[0]!;
          assert.deepEqual(within.askedFor, [], '247 + 50 stays within 300: nobody asked');
          await sendAction(env.client, incidentId, 'requestSpend', {
            by: 'dev',
            amount: 100,
            purpose: 'contractor',
          });
          const asked = (await watch()).rows[0]!;
          assert.deepEqual(asked.askedFor, [{ spend: 'spend-2', people: ['hiro', 'isabel'] }]);
          await mail.waitFor((m) => m.headers.get('x-lockout-step') === 'budget-approval-spend-2', 2);

          await watch(); // once each: the next run tells nobody again
          await new Promise((r) => setTimeout(r, 500)); // a message sent by it would have arrived by now
          assert.equal(told(/^budget-warning$/).length, 1);
          assert.deepEqual(
            told(/^budget-approval-/)
              .map((m) => m.to[0])
              .sort(),
            ['hiro.tanaka@example.com', 'isabel.duarte@example.com'],
          );
        });
      } finally {
        await mail.close();
      }
    });
  });
});
