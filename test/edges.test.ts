/**
 * The edges a hostile user tried (issue 11), each against the real stack: the dev server, a real
 * worker and gateway over HTTP, real SMTP, and the real `lockout` CLI as a subprocess.
 */
/* eslint-disable no-control-regex -- these tests are about control characters */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { loadDirectory } from '../comms/directory';
import { syncWorkflowId } from '../domain/crm-write';
import { buildGateway } from '../gateway/server';
import { RefusalLog } from '../gateway/refusal-log';
import { signLink, type LinkClaims } from '../links/token';
import { acknowledgeSignal, resolveUpdate } from '../workflows/messages';
import { runCli } from './helpers/cli';
import { testDeps } from './helpers/deps';
import { incidentStatus, sendAlert } from './helpers/incidents';
import { startMailCatcher, type CaughtMail, type MailCatcher } from './helpers/mail';
import { runbookFromYaml } from './helpers/runbooks';
import { startLocalTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';
import { withWorker } from './helpers/worker';
import { createIncidentWorker } from '../workers/worker';
import { sendAction } from '../client/actions';

const SECRET = 'edges-test-link-secret-0123456789abcdef';
const CRM_TOKEN = 'edges-test-crm-token-0123456789';
const PD_TOKEN = 'edges-test-pagerduty-token-0123456789';
const directory = loadDirectory(join(__dirname, 'fixtures', 'directory.yaml'));

/** Terminal control and bidi characters: none may reach a responder's screen. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const runbook = runbookFromYaml(`
id: edges-test
version: 1
title: Edges test
escalation: { levels: [] }
facts:
${Array.from({ length: 20 }, (_, i) => `  probe${i}: { type: number }`).join('\n')}
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
  - id: approve-rotation
    kind: approval
    title: Rotate the integration certificate
    approvers: [{ people: [ben, erin] }]
    timeout: 1h
  - { id: note, kind: notify, audience: operations, template: ops-technical-alert }
onResolve: { notify: [operations] }
`);

function linkIn(mail: CaughtMail, label: RegExp): string {
  const match = new RegExp(`${label.source}\\s*(http\\S+)`).exec(mail.text);
  assert.ok(match, `no ${label} link in:\n${mail.text}`);
  return match[1]!;
}
const claimsOf = (url: string) =>
  JSON.parse(Buffer.from(url.split('/').at(-1)!.split('.')[1]!, 'base64url').toString()) as LinkClaims;

describe('the edges hold (dev server, real gateway, real SMTP, real CLI)', function () {
  this.timeout(180_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let gateway: FastifyInstance;
  let base: string;
  const crmQueue = uniqueTaskQueue('edges-crm');

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
    await startGateway();
  });
  after(async () => {
    await gateway?.close();
    await env?.teardown();
    await mail?.close();
  });

  /** Incidents are opened by sendAlert, so the gateway's own intake goes nowhere. */
  async function startGateway(): Promise<void> {
    gateway = buildGateway({
      intake: { client: env.client, taskQueue: 'unused', runbooks: () => [runbook] },
      webUiLink: (id) => `http://ui.test/workflows/${id}`,
      links: {
        client: env.client,
        secrets: [SECRET],
        refusals: new RefusalLog(env.client, { windowMs: 60_000 }),
      },
      crmWrites: { taskQueue: crmQueue, token: CRM_TOKEN },
      sources: { pagerduty: { mode: 'bearer', tokens: [PD_TOKEN] } },
    });
    await gateway.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
  }
  const deps = () =>
    testDeps(mail.url, {
      directory,
      links: { secrets: [SECRET], publicUrl: base, ttlMs: 3_600_000 },
    });
  const cli = (...args: string[]) => runCli(args, { TEMPORAL_ADDRESS: env.address });
  const historyLength = async (id: string) =>
    (await env.client.workflow.getHandle(id).fetchHistory()).events?.length ?? 0;

  it('prints no control or bidi character from untrusted text on a terminal, an SMS or an email header', async () => {
    await withWorker(env, deps(), async (taskQueue) => {
      const hostile =
        'Sync denied\u001b[2J\u001b[1;1H\n  acknowledged ana at 2026-11-30T03:00:00Z\u202eevil\u0007';
      const { incidentId } = await sendAlert(
        env.client,
        taskQueue,
        { title: hostile, fingerprint: 'edges-ansi' },
        [runbook],
      );
      const [ops] = await mail.waitFor((m) => m.headers.get('x-lockout-incident') === incidentId);
      assert.doesNotMatch(ops!.subject, UNSAFE, 'the email subject is clean');

      // A forged link claiming a person with escape sequences in it.
      const genuine = claimsOf(linkIn(ops!, /one click, as you:/));
      const forgedBody = Buffer.from(JSON.stringify({ ...genuine, p: '\u001b[32mana\u001b[0m' })).toString(
        'base64url',
      );
      const forged = await fetch(`${base}/ack/v1.${forgedBody}.AAAA`);
      assert.equal(forged.status, 403);

      const human = await cli('status', incidentId);
      assert.equal(human.code, 0, human.stderr);
      assert.doesNotMatch(human.stdout, UNSAFE, JSON.stringify(human.stdout));
      assert.match(human.stdout, /Sync denied/);
      const ackLines = human.stdout.split('\n').filter((l) => /^\s*acknowledged\b/.test(l));
      assert.deepEqual(ackLines, ['  acknowledged no'], 'the title drew no line of its own');
      assert.doesNotMatch(human.stdout, /\[32mana/, 'a forged claim is not recorded as a person');

      const json = await cli('status', incidentId, '--json');
      assert.doesNotMatch(json.stdout, UNSAFE, 'JSON escapes what a terminal would act on');
      assert.equal((JSON.parse(json.stdout) as { facts: { title: string } }).facts.title, hostile);

      const list = await cli('list');
      assert.equal(list.code, 0, list.stderr);
      assert.doesNotMatch(list.stdout, UNSAFE);
    });
  });

  it('refuses JSON nested too deep with a 400 naming the limit, on alerts and CRM writes alike', async () => {
    let deep = '"x"';
    for (let i = 0; i < 5_000; i++) deep = `{"a":${deep}}`;
    const pd = `{"routing_key":"r","event_action":"trigger","payload":{"summary":"deep","source":"s","severity":"critical","custom_details":${deep}}}`;
    const alert = await fetch(`${base}/alerts/pagerduty`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${PD_TOKEN}` },
      body: pd,
    });
    assert.equal(alert.status, 400);
    assert.match(await alert.text(), /nested \d+ levels deep; at most 64 levels/);
    const crm = await fetch(`${base}/crm/writes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CRM_TOKEN}` },
      body: deep,
    });
    assert.equal(crm.status, 400);
    assert.match(await crm.text(), /at most 64 levels/);
    assert.equal((await fetch(`${base}/healthz`)).status, 200, 'the gateway is still up');
  });

  it('answers concurrent decisions with 200, 409 or 429 (never 500), and applies exactly one', async () => {
    await withWorker(env, deps(), async (taskQueue) => {
      const { incidentId } = await sendAlert(
        env.client,
        taskQueue,
        { title: 'Busy', fingerprint: 'edges-busy' },
        [runbook],
      );
      const [toBen] = await mail.waitFor(
        (m) => m.headers.get('x-lockout-incident') === incidentId && m.to[0] === 'ben@test.example',
      );
      const approve = linkIn(toBen!, /Approve:/);
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          fetch(approve, { method: 'POST' }).then((r) => ({
            status: r.status,
            retryAfter: r.headers.get('retry-after'),
          })),
        ),
      );
      const statuses = answers.map((a) => a.status);
      assert.ok(
        statuses.every((s) => [200, 409, 429].includes(s)),
        `statuses: ${statuses.join(' ')}`,
      );
      assert.equal(statuses.filter((s) => s === 200).length, 1, `statuses: ${statuses.join(' ')}`);
      for (const a of answers.filter((x) => x.status === 429)) assert.ok(Number(a.retryAfter) > 0);
      const s = await incidentStatus(env.client, incidentId);
      const approval = s.approvals.find((a) => a.step === 'approve-rotation')!;
      assert.deepEqual(
        approval.decisions.map((d) => d.by),
        ['ben'],
      );
    });
  });

  it('tells each of 20 concurrent actions on a stalled incident whether it counted, and applies the counted ones once', async () => {
    const taskQueue = uniqueTaskQueue('edges-stalled');
    const worker = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      deps: deps(),
      workflowBundle: await workflowBundle(),
    });
    const { incidentId } = await worker.runUntil(async () => {
      const opened = await sendAlert(
        env.client,
        taskQueue,
        { title: 'Stalled', fingerprint: 'edges-stalled' },
        [runbook],
      );
      await mail.waitFor((m) => m.headers.get('x-lockout-incident') === opened.incidentId);
      return opened;
    });
    // No worker now: updates stay in flight, and Temporal admits only 10 at once.
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sendAction(
          env.client,
          incidentId,
          'setFact',
          { name: `probe${i}`, value: i, by: 'ana' },
          { answerWithinMs: 3_000 },
        ),
      ),
    );
    // The client retries Temporal's RESOURCE_EXHAUSTED until the deadline, then sends the signal;
    // if it gives up sooner, the action is "busy". Either way the person is told the truth.
    const kinds = outcomes.map((o) => o.outcome);
    assert.ok(
      kinds.every((k) => k === 'queued' || k === 'busy'),
      `outcomes: ${kinds.join(' ')}`,
    );
    for (const o of outcomes.filter((x) => x.outcome === 'busy')) assert.match(o.message, /NOT applied/);
    const counted = outcomes.flatMap((o, i) => (o.outcome === 'busy' ? [] : [`probe${i}`]));
    const second = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      deps: deps(),
      workflowBundle: await workflowBundle(),
    });
    await second.runUntil(async () => {
      for (let i = 0; i < 100; i++) {
        const s = await incidentStatus(env.client, incidentId);
        const set = Object.keys(s.facts.custom ?? {}).filter((k) => k.startsWith('probe'));
        if (set.length >= counted.length) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const s = await incidentStatus(env.client, incidentId);
      assert.deepEqual(
        Object.keys(s.facts.custom ?? {})
          .filter((k) => k.startsWith('probe'))
          .sort(),
        [...counted].sort(),
        'exactly the actions that were told they counted',
      );
      await env.client.workflow.getHandle(incidentId).terminate('test finished');
    });
  });

  it('records forged links only on incidents, summed per window: no history grows from outside', async () => {
    await withWorker(env, deps(), async (taskQueue) => {
      const { incidentId } = await sendAlert(
        env.client,
        taskQueue,
        { title: 'Forged', fingerprint: 'edges-forged' },
        [runbook],
      );
      const [ops] = await mail.waitFor((m) => m.headers.get('x-lockout-incident') === incidentId);
      const genuine = claimsOf(linkIn(ops!, /one click, as you:/));

      // A CRM sync buffer: a workflow of ours, but not an incident.
      const record = { object: 'Contact', externalIdField: 'Shop_Customer_Id__c', externalId: 'forged-1' };
      const buffered = await fetch(`${base}/crm/writes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${CRM_TOKEN}` },
        body: JSON.stringify({ writeId: 'forged-w1', ...record, fields: { LastName: 'X' } }),
      });
      assert.equal(buffered.status, 202);
      const bufferId = syncWorkflowId(record);
      const bufferBefore = await historyLength(bufferId);
      const forge = (i: string) =>
        `v1.${Buffer.from(JSON.stringify({ ...genuine, i })).toString('base64url')}.AAAA`;
      for (let n = 0; n < 5; n++)
        assert.equal((await fetch(`${base}/ack/${forge(bufferId)}`, { method: 'POST' })).status, 403);
      assert.equal(await historyLength(bufferId), bufferBefore, 'nothing reached the sync buffer');

      await new Promise((r) => setTimeout(r, 1_000)); // the incident settles after its first notice
      const before = await historyLength(incidentId);
      const answers = await Promise.all(
        Array.from({ length: 120 }, () => fetch(`${base}/ack/${forge(incidentId)}`, { method: 'POST' })),
      );
      assert.ok(answers.every((r) => r.status === 403));
      await new Promise((r) => setTimeout(r, 1_000));
      const grown = (await historyLength(incidentId)) - before;
      assert.ok(grown <= 6, `120 forged links grew the history by ${grown} events`);
      await gateway.close(); // sends the window's summary
      await startGateway();
      const s = await incidentStatus(env.client, incidentId);
      const refused = s.timeline.filter((e) => e.kind === 'refused').map((e) => e.summary);
      assert.ok(refused.includes('signed ack link refused: invalid signature'), refused.join('\n'));
      assert.ok(
        refused.includes('signed ack link refused 119 more times, the latest: invalid signature'),
        refused.join('\n'),
      );
    });
  });

  it('takes a lower-case bearer scheme, checks credentials before the body, and names a record case-insensitively', async () => {
    const write = (writeId: string, object: string, field: string) => ({
      writeId,
      object,
      externalIdField: field,
      externalId: 'probe-c1',
      fields: { LastName: 'Case' },
    });
    const send = (body: string, authorization?: string) =>
      fetch(`${base}/crm/writes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body,
      });
    assert.equal((await send('{not json', undefined)).status, 401, 'no token: 401 before the body is read');
    assert.equal((await send('{not json', 'Bearer wrong-token-xxxxxxxxxxxx')).status, 401);
    const lower = await send(
      JSON.stringify(write('case-1', 'Contact', 'Shop_Customer_Id__c')),
      `bearer ${CRM_TOKEN}`,
    );
    assert.equal(lower.status, 202, await lower.text());
    const other = await send(
      JSON.stringify(write('case-2', 'contact', 'shop_customer_id__c')),
      `BEARER ${CRM_TOKEN}`,
    );
    assert.equal(other.status, 202);
    const ids: string[] = [];
    for await (const wf of env.client.workflow.list({
      query: `WorkflowType = 'crmSyncRecord' AND WorkflowId STARTS_WITH 'crm-sync:contact:shop_customer_id__c:probe-c1'`,
    }))
      ids.push(wf.workflowId);
    const mixed: string[] = [];
    for await (const wf of env.client.workflow.list({
      query: `WorkflowType = 'crmSyncRecord' AND WorkflowId = 'crm-sync:Contact:Shop_Customer_Id__c:probe-c1'`,
    }))
      mixed.push(wf.workflowId);
    assert.deepEqual(ids, ['crm-sync:contact:shop_customer_id__c:probe-c1']);
    assert.deepEqual(mixed, [], 'one buffer for both spellings');
  });

  it('binds links to the incident instance: an unused link of a closed incident cannot act on the next', async () => {
    await withWorker(env, deps(), async (taskQueue) => {
      const fingerprint = 'edges-recurring';
      const first = await sendAlert(env.client, taskQueue, { title: 'First', fingerprint }, [runbook]);
      const [firstOps] = await mail.waitFor(
        (m) => m.headers.get('x-lockout-incident') === first.incidentId && m.to[0] === 'ana@test.example',
      );
      const oldAck = linkIn(firstOps!, /one click, as you:/);
      const handle = env.client.workflow.getHandle(first.incidentId);
      await handle.signal(acknowledgeSignal, { by: 'ana' });
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'ana', reason: 'fixed' }] });
      await handle.result();

      const second = await sendAlert(env.client, taskQueue, { title: 'Second', fingerprint }, [runbook]);
      assert.equal(second.incidentId, first.incidentId);
      const opsMails = await mail.waitFor(
        (m) => m.headers.get('x-lockout-incident') === first.incidentId && m.subject.includes('Second'),
      );
      const stale = await fetch(oldAck, { method: 'POST' });
      assert.equal(stale.status, 410);
      assert.match(await stale.text(), /issued for an earlier incident with the same id/);
      const unbound = signLink(SECRET, { ...claimsOf(oldAck), n: undefined, r: undefined });
      const legacy = await fetch(`${base}/ack/${unbound}`, { method: 'POST' });
      assert.equal(legacy.status, 410);
      assert.match(await legacy.text(), /from before links named their incident/);
      assert.equal(
        (await incidentStatus(env.client, second.incidentId)).phase,
        'detected',
        'still unacknowledged',
      );

      const fresh = await fetch(linkIn(opsMails[0]!, /one click, as you:/), { method: 'POST' });
      assert.equal(fresh.status, 200, await fresh.text());
      assert.notEqual((await incidentStatus(env.client, second.incidentId)).phase, 'detected');
    });
  });
});
