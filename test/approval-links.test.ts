import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { loadDirectory } from '../comms/directory';
import type { IncidentStatus } from '../domain/incident';
import { createLogger } from '../lib/logger';
import { buildGateway } from '../gateway/server';
import { actionHash, signLink, type LinkClaims } from '../links/token';
import { testDeps } from './helpers/deps';
import { incidentStatus, sendAlert } from './helpers/incidents';
import { startMailCatcher, type CaughtMail, type MailCatcher } from './helpers/mail';
import { runbookFromYaml } from './helpers/runbooks';
import { startLocalTemporal, startTimeSkippingTemporal } from './helpers/temporal';
import { withWorker } from './helpers/worker';

const SECRET = 'approval-links-test-secret-0123456789abcdef';
const directory = loadDirectory(join(__dirname, 'fixtures', 'directory.yaml'));

/** A gateway on an ephemeral port whose links point at itself; its log lines go to `logLines`. */
async function startGateway(
  env: TestWorkflowEnvironment,
  logLines: string[] = [],
): Promise<{ app: FastifyInstance; base: string }> {
  const app = buildGateway({
    intake: { client: env.client, taskQueue: 'unused', runbooks: () => [] },
    webUiLink: (id) => `http://ui.test/workflows/${id}`,
    links: { client: env.client, secrets: [SECRET] },
    logger: createLogger('info', 'gateway', { write: (line: string) => void logLines.push(line) }),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

function linkIn(mail: CaughtMail, label: RegExp): string {
  const match = new RegExp(`${label.source}\\s*(http\\S+)`).exec(mail.text);
  assert.ok(match, `no ${label} link in:\n${mail.text}`);
  return match[1]!;
}

const get = (url: string) => fetch(url).then(async (r) => ({ status: r.status, html: await r.text() }));
const post = (url: string, form: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', body: new URLSearchParams(form) }).then(async (r) => ({
    status: r.status,
    html: await r.text(),
  }));
const refusals = (s: IncidentStatus) => s.timeline.filter((e) => e.kind === 'refused').map((e) => e.summary);

describe('signed approval links end to end (dev server, real gateway, real SMTP)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let gateway: { app: FastifyInstance; base: string };
  let target: Server;
  let targetUrl: string;
  let hits = 0;
  const logLines: string[] = [];

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
    gateway = await startGateway(env, logLines);
    target = createServer((_, res) => {
      hits++;
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/rotate`;
  });
  after(async () => {
    await gateway?.app.close();
    await env?.teardown();
    await mail?.close();
    target?.close();
  });

  it('GET never acts; forged, expired, mismatched, non-approver and reused links are refused and recorded; a valid one approves once', async () => {
    const runbook = runbookFromYaml(`
id: link-approval-test
version: 1
title: Link approval test
escalation: { levels: [] }
steps:
  - id: approve-rotation
    kind: approval
    title: Rotate the integration certificate
    approvers: [{ people: [ben, erin] }]
    timeout: 1h
  - { id: rotate, kind: activity, activity: checkHttpEndpoint, args: { url: "${targetUrl}" } }
onResolve: { notify: [operations] }
`);
    const deps = testDeps(mail.url, {
      directory,
      links: { secrets: [SECRET], publicUrl: gateway.base, ttlMs: 3_600_000 },
    });
    await withWorker(
      env,
      deps,
      async (taskQueue) => {
        const { incidentId } = await sendAlert(
          env.client,
          taskQueue,
          { title: 'Certificate chain <b>invalid</b>', fingerprint: 'links-approve' },
          [runbook],
        );
        const [toBen] = await mail.waitFor(
          (x) => /APPROVAL NEEDED/.test(x.subject) && x.to[0] === 'ben@test.example',
        );
        const approveUrl = linkIn(toBen!, /Approve:/);
        const rejectUrl = linkIn(toBen!, /Reject:/);
        const token = approveUrl.split('/approve/')[1]!;
        const status = () => incidentStatus(env.client, incidentId);
        const before = await status();
        const action = before.approvals[0]!.action;
        const claimsOf = (t: string) =>
          JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()) as LinkClaims;
        const genuine = claimsOf(token);
        assert.equal(genuine.p, 'ben');
        assert.equal(genuine.a, actionHash(action));

        // GET: the confirmation page with the step's context, and nothing changes.
        const page = await get(approveUrl);
        assert.equal(page.status, 200);
        assert.match(page.html, /Approve this step\?/);
        assert.match(page.html, /Rotate the integration certificate/);
        assert.match(page.html, /checkHttpEndpoint/);
        assert.ok(page.html.includes(targetUrl), 'the exact parameters are shown');
        assert.ok(
          page.html.includes('Certificate chain &lt;b&gt;invalid&lt;/b&gt;'),
          'the alert title is escaped',
        );
        assert.match(page.html, /<form method="post"/);
        await get(approveUrl);
        const afterGet = await status();
        assert.equal(afterGet.approvals[0]!.state, 'pending');
        assert.deepEqual(afterGet.approvals[0]!.decisions, []);
        assert.equal(afterGet.timeline.length, before.timeline.length, 'opening a link records nothing');
        assert.equal(hits, 0);

        // Forged: the claims changed to another approver, the signature kept.
        const [v, , sig] = token.split('.');
        const forgedBody = Buffer.from(JSON.stringify({ ...claimsOf(token), p: 'erin' })).toString(
          'base64url',
        );
        const forged = await post(`${gateway.base}/approve/${v}.${forgedBody}.${sig}`);
        assert.equal(forged.status, 403);
        assert.match(forged.html, /This link cannot be used/);
        assert.match(forged.html, /not signed by this installation|invalid signature/);
        // Signed with another installation's secret.
        const foreign = signLink('some-other-installation-secret-0123456789', { ...genuine, n: undefined });
        assert.equal((await post(`${gateway.base}/approve/${foreign}`)).status, 403);
        assert.equal((await post(`${gateway.base}/approve/v1.garbage`)).status, 400);

        // Expired.
        const expired = signLink(SECRET, { ...genuine, n: undefined, e: Math.floor(Date.now() / 1000) - 60 });
        const expiredPage = await post(`${gateway.base}/approve/${expired}`);
        assert.equal(expiredPage.status, 410);
        assert.match(expiredPage.html, /expired at/);

        // Parameter mismatch: a genuine signature over another action's hash.
        const otherAction = actionHash({
          activity: 'checkHttpEndpoint',
          args: { url: 'http://127.0.0.1:1/other' },
        });
        const mismatched = signLink(SECRET, { ...genuine, n: undefined, a: otherAction });
        const mismatchPage = await post(`${gateway.base}/approve/${mismatched}`);
        assert.equal(mismatchPage.status, 409);
        assert.match(mismatchPage.html, /not the one this link was sent for/);

        // A genuine link for someone who may not decide this step.
        const forDev = signLink(SECRET, { ...genuine, n: undefined, p: 'dev' });
        const devPage = await get(`${gateway.base}/approve/${forDev}`);
        assert.equal(devPage.status, 403);
        assert.match(devPage.html, /not an approver: dev/);
        assert.doesNotMatch(devPage.html, /<form method="post"/);
        const devPost = await post(`${gateway.base}/approve/${forDev}`);
        assert.equal(devPost.status, 403, 'POST answers as GET does');
        assert.match(devPost.html, /not an approver: dev/);

        // Reject needs a reason; without one nothing is sent.
        const noReason = await post(rejectUrl);
        assert.equal(noReason.status, 400);
        assert.match(noReason.html, /say why you reject/);

        let s = await status();
        assert.equal(s.approvals[0]!.state, 'pending', 'no refused link decided anything');
        assert.equal(hits, 0);

        // The genuine link, confirmed.
        const done = await post(approveUrl);
        assert.equal(done.status, 200, done.html);
        assert.match(done.html, /Done/);
        assert.match(
          done.html,
          /approved by ben; approve-check is approved|approved by ben; approve-rotation is approved/,
        );

        // Used once: the second POST is refused by the incident and recorded; GET shows what was done.
        const again = await post(approveUrl);
        assert.equal(again.status, 409);
        assert.match(again.html, /this link was already used/);
        const view = await get(approveUrl);
        assert.equal(view.status, 200);
        assert.match(view.html, /ben already approved this step/);
        assert.doesNotMatch(view.html, /<form method="post"/);
        // Erin's reject link after the decision.
        const [toErin] = await mail.waitFor(
          (x) => /APPROVAL NEEDED/.test(x.subject) && x.to[0] === 'erin@test.example',
        );
        const late = await post(linkIn(toErin!, /Reject:/), { reason: 'too risky' });
        assert.equal(late.status, 409);
        assert.match(late.html, /already decided: approved/);

        for (let i = 0; i < 100 && hits === 0; i++) await new Promise((r) => setTimeout(r, 50));
        assert.equal(hits, 1, 'the approved action ran exactly once');
        s = await status();
        assert.equal(s.approvals[0]!.state, 'approved');
        assert.deepEqual(
          s.approvals[0]!.decisions.map((d) => `${d.decision}:${d.by}`),
          ['approve:ben'],
        );
        assert.ok(
          s.timeline.some(
            (e) => e.summary === 'approve-rotation: the decision of ben came through the signed link',
          ),
        );
        const refused = refusals(s);
        const expect = (pattern: RegExp) =>
          assert.ok(
            refused.some((r) => pattern.test(r)),
            `${pattern} not in:\n${refused.join('\n')}`,
          );
        // A forged link's claims are not evidence: only that one was tried.
        expect(/^signed approve link refused: invalid signature$/);
        expect(/^signed approve link for approve-rotation issued to ben refused: the link expired at /);
        expect(
          /^signed approve link for approve-rotation issued to ben refused: the action to approve is not the one/,
        );
        expect(/^signed approve link for approve-rotation issued to dev refused: not an approver: dev/);
        expect(/^approve by ben refused: this link was already used \(approve-rotation\)$/);
        expect(/^reject by erin refused: approve-rotation: already decided: approved$/);
        // Link tokens are credentials: the gateway's log has the route, never the token.
        assert.ok(logLines.some((l) => l.includes('/approve/*')));
        assert.ok(!logLines.some((l) => l.includes(token) || l.includes(genuine.n)), logLines.join('\n'));
        const forgedEntry = s.timeline.find((e) => /invalid signature/.test(e.summary))!;
        assert.equal(forgedEntry.actor, undefined, 'a forged link is not attributed to the person it names');
      },
      'links',
    );
  });
});

describe('acknowledgement and receipt links (time-skipping server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let gateway: { app: FastifyInstance; base: string };

  before(async () => {
    [env, mail] = await Promise.all([startTimeSkippingTemporal(), startMailCatcher()]);
    gateway = await startGateway(env);
  });
  after(async () => {
    await gateway?.app.close();
    await env?.teardown();
    await mail?.close();
  });

  it('an acknowledgement link stops escalation, a receipt link marks the recipient reached, each works once', async () => {
    const runbook = runbookFromYaml(`
id: link-ack-test
version: 1
title: Link acknowledgement test
escalation:
  levels:
    - { after: 15m, notify: [engineering] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
  - { id: tell-stakeholders, kind: notify, audience: compliance, template: stakeholder-notification }
onResolve: { notify: [operations] }
`);
    const deps = testDeps(mail.url, {
      directory,
      links: { secrets: [SECRET], publicUrl: gateway.base, ttlMs: 3_600_000 },
    });
    await withWorker(
      env,
      deps,
      async (taskQueue) => {
        const acked = await sendAlert(
          env.client,
          taskQueue,
          { title: 'ACL drift', fingerprint: 'links-ack' },
          [runbook],
        );
        const control = await sendAlert(
          env.client,
          taskQueue,
          { title: 'Token expired', fingerprint: 'links-noack' },
          [runbook],
        );
        const opsMail = (id: string) => (x: CaughtMail) =>
          x.headers.get('x-lockout-incident') === id && x.headers.get('x-lockout-step') === 'notify-ops';
        const [toAna] = await mail.waitFor(opsMail(acked.incidentId));
        await mail.waitFor(opsMail(control.incidentId));
        const [toChloe] = await mail.waitFor(
          (x) =>
            x.headers.get('x-lockout-incident') === acked.incidentId &&
            x.headers.get('x-lockout-step') === 'tell-stakeholders',
        );
        const ackUrl = linkIn(toAna!, /one click, as you:/);
        const receiptUrl = linkIn(toChloe!, /confirm you received this notice:/);
        assert.ok(ackUrl.startsWith(`${gateway.base}/ack/`));

        const page = await get(ackUrl);
        assert.equal(page.status, 200);
        assert.match(page.html, /Acknowledge this incident\?/);
        assert.equal(
          (await incidentStatus(env.client, acked.incidentId)).acknowledgements.length,
          0,
          'GET does not acknowledge',
        );
        // An acknowledgement link is not an approval link.
        assert.equal((await get(ackUrl.replace('/ack/', '/approve/'))).status, 400);

        const done = await post(ackUrl);
        assert.equal(done.status, 200, done.html);
        assert.match(done.html, /acknowledged by ana/);
        assert.equal((await post(ackUrl)).status, 409, 'used once');
        const receipt = await post(receiptUrl);
        assert.equal(receipt.status, 200, receipt.html);
        assert.match(receipt.html, /receipt of tell-stakeholders by chloe recorded/);

        await env.sleep('20m');
        await mail.waitFor(
          (x) =>
            x.headers.get('x-lockout-incident') === control.incidentId &&
            x.headers.get('x-lockout-step') === 'escalation-1',
          2,
        );
        const s = await incidentStatus(env.client, acked.incidentId);
        assert.equal(s.escalationLevel, 0, 'no escalation after the acknowledgement link');
        assert.equal((await incidentStatus(env.client, control.incidentId)).escalationLevel, 1);
        assert.ok(
          !mail.messages.some(
            (x) =>
              x.headers.get('x-lockout-incident') === acked.incidentId &&
              /escalation/.test(String(x.headers.get('x-lockout-step'))),
          ),
        );
        assert.deepEqual(s.receipts.map((r) => `${r.step}:${r.recipient}:${r.via}`).sort(), [
          'notify-ops:ana:signed link',
          'tell-stakeholders:chloe:signed link',
        ]);
        assert.equal(s.acknowledgements[0]!.by, 'ana');
        assert.ok(
          refusals(s).some((r) =>
            /confirmReceipt by ana refused: this link was already used \(notify-ops\)/.test(r),
          ),
        );
      },
      'links-ack',
    );
  });
});
