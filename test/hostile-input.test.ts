/**
 * No input can stop an incident: each case the hostile-input review found (issue "No input can
 * stop an incident"), against the dev server and a real worker, then the same for whatever
 * fast-check makes up. After every run: no workflow task failed, the incident still answers, and
 * each refusal is in its timeline.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import { sendAction } from '../client/actions';
import { loadDirectory } from '../comms/directory';
import type { IncidentStatus } from '../domain/incident';
import * as sa from '../domain/search-attributes';
import * as m from '../workflows/messages';
import { runCli } from './helpers/cli';
import { testDeps } from './helpers/deps';
import { incidentStatus, sendAlert } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { runbookFromYaml } from './helpers/runbooks';
import { startLocalTemporal, uniqueTaskQueue } from './helpers/temporal';
import { withWorker } from './helpers/worker';

const RUNBOOK = runbookFromYaml(`
id: hostile-input-test
version: 1
title: Hostile input test
facts:
  customerImpact: { type: string }
clocks:
  - { id: ops, title: Operations told, from: detected, within: 4h, metBy: manual }
  - { id: gdpr-art33, title: GDPR Art. 33, from: aware, within: 72h, legal: true, metBy: manual }
escalation: { levels: [ { after: 1h, notify: [engineering] }, { after: 1h, notify: [incident-commander] } ] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
  - id: approve-rotation
    kind: approval
    approvers: [ { people: [ghost, ben, erin] } ]
    quorum: 1
    twoPersonRule: true
    timeout: 3h
  - { id: contain, kind: checkpoint, phase: contained }
onResolve: { notify: [operations] }
`);

const directory = loadDirectory(join(__dirname, 'fixtures', 'directory.yaml'));

/** Workflow task failures in the incident's history (across runs of this id). */
async function taskFailures(client: Client, incidentId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(incidentId).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.workflowTaskFailedEventAttributes)
    .map((e) => e.workflowTaskFailedEventAttributes?.failure?.message ?? 'workflow task failed');
}

async function waitFor(
  client: Client,
  incidentId: string,
  done: (s: IncidentStatus) => boolean,
  what: string,
): Promise<IncidentStatus> {
  let last: IncidentStatus | undefined;
  for (let i = 0; i < 120; i++) {
    last = await incidentStatus(client, incidentId);
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what}; last timeline: ${JSON.stringify(last?.timeline.slice(-5))}`);
}

const refusals = (s: IncidentStatus) => s.timeline.filter((e) => e.kind === 'refused');

describe('no input can stop an incident (dev server)', function () {
  this.timeout(300_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
  });
  after(async () => {
    await env?.teardown();
    await mail?.close();
  });

  const withIncident = (
    fingerprint: string,
    fn: (incidentId: string, taskQueue: string) => Promise<void>,
  ): Promise<void> =>
    withWorker(env, testDeps(mail.url, { directory }), async (taskQueue) => {
      const { incidentId } = await sendAlert(env.client, taskQueue, { title: 'Hostile', fingerprint }, [
        RUNBOOK,
      ]);
      // Quiet: the approval asked for and both approvers told.
      await waitFor(
        env.client,
        incidentId,
        (s) => s.deliveries.filter((d) => d.step === 'approve-rotation-request-1').length >= 2,
        'approval requested and its approvers told',
      );
      await fn(incidentId, taskQueue);
      assert.deepEqual(await taskFailures(env.client, incidentId), [], 'no workflow task failed');
    });

  it('1. a fact named __proto__, constructor or toString is refused, and the incident goes on', () =>
    withIncident('hostile-facts', async (incidentId) => {
      const handle = env.client.workflow.getHandle(incidentId);
      for (const name of ['__proto__', 'constructor', 'toString'])
        await handle.signal(m.setFactSignal, { name, value: 'x', by: 'ana' });
      const refused = await sendAction(env.client, incidentId, 'setFact', {
        name: 'constructor',
        value: 'x',
        by: 'ana',
      });
      assert.equal(refused.outcome, 'refused');
      assert.match(refused.message, /unknown fact "constructor"/);
      const s = await waitFor(env.client, incidentId, (x) => refusals(x).length >= 4, 'four refusals');
      assert.equal(refusals(s).length, 4);
      assert.deepEqual(s.facts.custom, {});
      // Still steerable: escalation on request, acknowledgement.
      assert.equal((await sendAction(env.client, incidentId, 'escalate', { by: 'ana' })).outcome, 'accepted');
      await waitFor(env.client, incidentId, (x) => x.escalationLevel === 1, 'escalated to level 1');
    }));

  it('2. an alert signal that is no alert (null, a bare title) is refused and not counted', () =>
    withIncident('hostile-alerts', async (incidentId) => {
      const handle = env.client.workflow.getHandle(incidentId);
      await handle.signal(m.alertSignal, null as never);
      await handle.signal(m.alertSignal, { title: 'x' } as never);
      const s = await waitFor(env.client, incidentId, (x) => refusals(x).length >= 2, 'two refusals');
      assert.equal(s.alertCount, 1);
      assert.deepEqual(
        refusals(s).map((e) => e.summary),
        [
          'alert refused: payload: must be an object like {"fingerprint": "…", "source": "generic", "status": "firing", "title": "…", …}',
          'alert refused: fingerprint: must be a non-empty string',
        ],
      );
    }));

  it('3. one incident that cannot answer does not hide the approvals of the others', () =>
    withIncident('readable', async (incidentId, taskQueue) => {
      // An incident no worker serves: its status query cannot be answered.
      const stuck = await env.client.workflow.start('lockoutIncident', {
        workflowId: `lockout-unanswered-${taskQueue}`,
        taskQueue: uniqueTaskQueue('nobody-serves'),
        args: [{}],
        typedSearchAttributes: [{ key: sa.PENDING_APPROVALS, value: 1 }],
      });
      try {
        // Visibility catches up within a moment: wait until both are listed.
        for (let i = 0; i < 100; i++) {
          const ids = new Set<string>();
          for await (const wf of env.client.workflow.list({ query: `${sa.PENDING_APPROVALS.name} > 0` }))
            ids.add(wf.workflowId);
          if (ids.has(incidentId) && ids.has(stuck.workflowId)) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        const cli = await runCli(['approvals', '--json'], {
          TEMPORAL_ADDRESS: env.address,
          LOCKOUT_TASK_QUEUE: taskQueue,
        });
        assert.equal(cli.code, 0, cli.stderr);
        const listed = JSON.parse(cli.stdout) as { incidentId: string; step: string }[];
        assert.ok(listed.some((a) => a.incidentId === incidentId && a.step === 'approve-rotation'));
        assert.match(cli.stderr, new RegExp(`could not read ${stuck.workflowId}`));
      } finally {
        await stuck.terminate('test finished');
      }
    }));

  it('4. an approver who left the directory is skipped and recorded; the others may decide', () =>
    withIncident('left-the-directory', async (incidentId) => {
      const s = await incidentStatus(env.client, incidentId);
      assert.deepEqual(s.approvals[0]!.eligible, ['ben', 'erin']);
      assert.ok(
        s.timeline.some((e) => e.summary === 'approve-rotation: ghost not in the directory: skipped'),
      );
      const r = await sendAction(env.client, incidentId, 'approve', { step: 'approve-rotation', by: 'ben' });
      assert.equal(r.outcome, 'accepted', r.message);
    }));

  it('5. times from 1970 or 1999, or from the future, are refused', () =>
    withIncident('far-times', async (incidentId) => {
      const aware = await sendAction(env.client, incidentId, 'setAwareness', {
        at: '1970-01-01T00:00:00Z',
        by: 'dana',
        reason: 'x',
      });
      assert.equal(aware.outcome, 'refused');
      assert.match(aware.message, /at: 1970-01-01T00:00:00.000Z is more than 30 day\(s\) before/);
      const met = await sendAction(env.client, incidentId, 'clockMet', {
        clock: 'ops',
        by: 'dana',
        at: '1999-01-01T00:00:00Z',
      });
      assert.equal(met.outcome, 'refused');
      const future = await sendAction(env.client, incidentId, 'clockMet', {
        clock: 'ops',
        by: 'dana',
        at: '2999-01-01T00:00:00Z',
      });
      assert.match(future.message, /is in the future/);
      const s = await incidentStatus(env.client, incidentId);
      assert.equal(s.awareness, undefined);
      assert.equal(s.clocks.find((c) => c.id === 'ops')!.metAt, undefined);
      assert.equal(refusals(s).length, 3);
    }));

  it('6. an action sent as an update and again as a signal with the same id applies once', () =>
    withIncident('same-action-twice', async (incidentId) => {
      const first = await sendAction(
        env.client,
        incidentId,
        'acknowledge',
        { by: 'ana' },
        { actionId: 'a-1' },
      );
      assert.equal(first.outcome, 'accepted');
      const again = await sendAction(
        env.client,
        incidentId,
        'acknowledge',
        { by: 'ana' },
        { actionId: 'a-1' },
      );
      assert.equal(again.outcome, 'accepted');
      await env.client.workflow.getHandle(incidentId).signal(m.acknowledgeSignal, { by: 'ana', id: 'a-1' });
      await env.client.workflow.getHandle(incidentId).signal(m.acknowledgeSignal, { by: 'ana', id: 'a-2' });
      const s = await waitFor(env.client, incidentId, (x) => x.acknowledgements.length >= 2, 'a-2 applied');
      assert.deepEqual(
        s.acknowledgements.map((a) => a.by),
        ['ana', 'ana'],
        'a-1 once (update, its retry and the signal), a-2 once',
      );
    }));

  it('7. under the two-person rule, whoever last moved the incident forward may not approve', () =>
    withIncident('two-person-rule', async (incidentId) => {
      assert.equal(
        (await sendAction(env.client, incidentId, 'acknowledge', { by: 'ben' })).outcome,
        'accepted',
      );
      const ben = await sendAction(env.client, incidentId, 'approve', {
        step: 'approve-rotation',
        by: 'ben',
      });
      assert.equal(ben.outcome, 'refused');
      assert.match(ben.message, /two-person rule: ben last moved the incident forward/);
      const erin = await sendAction(env.client, incidentId, 'approve', {
        step: 'approve-rotation',
        by: 'erin',
      });
      assert.equal(erin.outcome, 'accepted', erin.message);
    }));

  describe('whatever fast-check sends', () => {
    // Payloads that cannot be valid, by construction: each must be refused, once, and change nothing.
    const hostileText = fc.oneof(
      fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', ''),
      fc.string({ maxLength: 20 }),
      fc.string({ minLength: 5000, maxLength: 6000 }),
    );
    const notText = fc.oneof(
      fc.constant(null),
      fc.integer(),
      fc.boolean(),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.object({ maxDepth: 2 }),
    );
    const notAnObject = fc.oneof(fc.constant(null), fc.string(), fc.integer(), fc.array(fc.anything()));
    const invalidPayload = fc.oneof(
      notAnObject,
      // `by` missing, empty or not text: every responder action needs it.
      fc.record({ by: fc.oneof(notText, fc.constant('')), step: hostileText, note: hostileText }),
      fc.record({ step: hostileText, reason: hostileText, clock: hostileText }),
      // An own `__proto__` key (as JSON.parse makes it), carrying what would be a valid payload.
      fc.constant(
        JSON.parse('{"__proto__": {"by": "ana", "step": "approve-rotation", "reason": "r"}}') as object,
      ),
    );
    const ACTIONS = [
      'acknowledge',
      'reopen',
      'escalate',
      'approve',
      'reject',
      'setAwareness',
      'setFact',
      'clockMet',
      'confirmReceipt',
      'setPhase',
      'resolve',
    ] as const;

    it('refuses every invalid signal exactly once and changes nothing else', () =>
      withIncident('fuzz-invalid', async (incidentId) => {
        const handle = env.client.workflow.getHandle(incidentId);
        const before = await incidentStatus(env.client, incidentId);
        let sent = 0;
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...ACTIONS), invalidPayload, async (action, payload) => {
            await handle.signal(action, payload);
            sent++;
          }),
          { numRuns: 60, seed: 20261130 },
        );
        const s = await waitFor(
          env.client,
          incidentId,
          (x) => refusals(x).length - refusals(before).length >= sent,
          `${sent} refusals`,
        );
        assert.equal(refusals(s).length - refusals(before).length, sent, 'each refused exactly once');
        assert.equal(s.timeline.length - before.timeline.length, sent, 'nothing but the refusals recorded');
        assert.equal(s.acknowledgements.length, 0);
        assert.equal(s.phase, before.phase);
        assert.deepEqual(s.approvals[0]!.decisions, []);
        assert.deepEqual(
          s.clocks.map((c) => c.metAt),
          before.clocks.map((c) => c.metAt),
        );
      }));

    it('counts exactly the valid alerts of an `alerts` signal and refuses each of the others', () =>
      withIncident('fuzz-alerts', async (incidentId) => {
        const handle = env.client.workflow.getHandle(incidentId);
        const valid = fc.record({
          fingerprint: fc.constant('fuzz-alerts'),
          source: fc.constantFrom('generic', 'datadog'),
          status: fc.constant('firing'),
          title: fc.constantFrom('Hostile', 'again', '__proto__', 'constructor'),
          pattern: fc.constant('acl-misconfiguration'),
          region: fc.constant('eu'),
          labels: fc.dictionary(fc.constantFrom('env', 'team', 'host'), fc.string({ maxLength: 20 }), {
            maxKeys: 3,
          }),
          receivedAt: fc.constant('2026-12-02T02:00:00.000Z'),
        });
        const element = fc.oneof(
          valid.map((alert) => ({ alert, valid: true })),
          fc.oneof(notAnObject, fc.record({ title: hostileText }), fc.constant({})).map((alert) => ({
            alert,
            valid: false,
          })),
        );
        // A list of 1 to 8 elements, or a payload that is no list of alerts at all (refused once).
        const payload = fc.oneof(
          fc.array(element, { minLength: 1, maxLength: 8 }).map((elements) => ({
            payload: elements.map((e) => e.alert) as unknown,
            counted: elements.filter((e) => e.valid).length,
            refused: elements.filter((e) => !e.valid).length,
          })),
          fc
            .oneof(fc.constant([]), fc.constant(null), fc.string(), fc.integer(), fc.object({ maxDepth: 1 }))
            .map((p) => ({ payload: p as unknown, counted: 0, refused: 1 })),
          fc.constant({
            payload: Array.from({ length: 501 }, () => ({})) as unknown,
            counted: 0,
            refused: 1,
          }),
        );
        let counted = 0;
        let refused = 0;
        const before = await incidentStatus(env.client, incidentId);
        await fc.assert(
          fc.asyncProperty(payload, async (p) => {
            await handle.signal(m.alertsSignal, p.payload as never);
            counted += p.counted;
            refused += p.refused;
          }),
          { numRuns: 40, seed: 20261202 },
        );
        const s = await waitFor(
          env.client,
          incidentId,
          (x) =>
            x.alertCount - before.alertCount >= counted &&
            refusals(x).length - refusals(before).length >= refused,
          `${counted} alerts counted and ${refused} refused`,
        );
        assert.equal(s.alertCount - before.alertCount, counted, 'exactly the valid alerts counted');
        assert.equal(refusals(s).length - refusals(before).length, refused, 'each invalid one refused once');
        assert.ok(
          refusals(s)
            .slice(refusals(before).length)
            .every((r) => /^alerts(\[\d+\])? refused: /.test(r.summary)),
          'each refusal names the element',
        );
        assert.equal(s.phase, before.phase);
      }));

    it('keeps its invariants whatever well-formed but hostile updates and alerts arrive', () =>
      withIncident('fuzz-hostile', async (incidentId) => {
        const handle = env.client.workflow.getHandle(incidentId);
        const person = fc.constantFrom('ana', 'ben', 'erin', 'ghost', '__proto__', 'constructor');
        const time = fc
          .date({
            min: new Date('1960-01-01T00:00:00Z'),
            max: new Date('2200-01-01T00:00:00Z'),
            noInvalidDate: true,
          })
          .map((d) => d.toISOString());
        const action = fc.oneof(
          fc.record({ name: fc.constant('acknowledge' as const), input: fc.record({ by: person }) }),
          fc.record({ name: fc.constant('escalate' as const), input: fc.record({ by: person }) }),
          fc.record({
            name: fc.constantFrom('approve' as const, 'reject' as const),
            input: fc.record({
              step: fc.constantFrom('approve-rotation', 'constructor', 'nope'),
              by: person,
              reason: fc.constant('r'),
            }),
          }),
          fc.record({
            name: fc.constant('setFact' as const),
            input: fc.record({
              name: fc.constantFrom('customerImpact', 'euPersonalData', '__proto__', 'constructor', 'title'),
              value: fc.oneof(fc.string({ maxLength: 10 }), fc.boolean(), fc.integer()),
              by: person,
            }),
          }),
          fc.record({
            name: fc.constant('setAwareness' as const),
            input: fc.record({ at: time, by: person, reason: fc.constant('r') }),
          }),
          fc.record({
            name: fc.constant('clockMet' as const),
            input: fc.record({
              clock: fc.constantFrom('ops', 'gdpr-art33', 'toString'),
              at: time,
              by: person,
            }),
          }),
          fc.record({
            name: fc.constant('confirmReceipt' as const),
            input: fc.record({
              step: fc.constantFrom('notify-ops', '__proto__'),
              recipient: person,
              via: fc.constant('fuzz'),
            }),
          }),
        );
        let metAt: Record<string, string | undefined> = {};
        let decisions = 0;
        await fc.assert(
          fc.asyncProperty(action, fc.boolean(), async ({ name, input }, asSignal) => {
            const before = refusals(await incidentStatus(env.client, incidentId)).length;
            if (asSignal) await handle.signal(name, input);
            else await sendAction(env.client, incidentId, name, input as never);
            const s = await incidentStatus(env.client, incidentId);
            // Clocks never move back; decisions only grow; the incident always answers.
            for (const c of s.clocks)
              if (metAt[c.id]) assert.equal(c.metAt, metAt[c.id], `${c.id} metAt kept`);
            metAt = Object.fromEntries(s.clocks.map((c) => [c.id, c.metAt]));
            const now = s.approvals.reduce((n, a) => n + a.decisions.length, 0);
            assert.ok(now >= decisions, 'decisions only grow');
            decisions = now;
            assert.ok(refusals(s).length >= before);
          }),
          { numRuns: 40, seed: 1130 },
        );
        await handle.signal(m.alertSignal, { fingerprint: 'fuzz', title: 'constructor' } as never);
        const s = await incidentStatus(env.client, incidentId);
        assert.equal(s.alertCount, 1, 'a malformed alert is never counted');
      }));
  });
});
