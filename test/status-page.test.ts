import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { BrowserContext } from 'playwright-core';
import {
  cachedHealth,
  journeysHealth,
  SALESFORCE_HEALTH_SLOT,
  temporalHealth,
  workerHealth,
} from '../status-page/health';
import { hashToken } from '../links/responders-file';
import { loadDirectory } from '../comms/directory';
import { buildGateway, type GatewayOptions } from '../gateway/server';
import type { StatusPageOptions } from '../gateway/routes/status-page';
import type { ResponderAuthMode } from '../gateway/responder-auth';
import { createIncidentWorker } from '../workers/worker';
import type { Database } from '../store/database';
import { openStore } from '../store/open';
import { launchChromium } from './helpers/chromium';
import { testDeps } from './helpers/deps';
import { incidentStatus } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { runbookFromYaml } from './helpers/runbooks';
import { startLocalTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';

const directory = loadDirectory(join(__dirname, 'fixtures', 'directory.yaml'));
const BEN_TOKEN = 'lrt_ben-test-token-5b1f0c9e7d';
const ANA_TOKEN = 'lrt_ana-test-token-0a9c8b7d6e';
const SESSION_SECRET = 'status-page-test-session-secret-0123456789';

describe('compliance status page (dev server, real gateway; Chromium)', function () {
  this.timeout(180_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let worker: Worker;
  let running: Promise<void>;
  let target: Server;
  let targetUrl: string;
  let hits = 0;
  const taskQueue = uniqueTaskQueue('status-page');
  const gateways: FastifyInstance[] = [];

  async function startGateway(auth: ResponderAuthMode): Promise<string> {
    const runbook = runbookFromYaml(`
id: status-page-test
version: 1
title: Status page test
clocks:
  - { id: report, title: Formal compliance status report, from: detected, within: 4h, metBy: manual }
escalation: { levels: [] }
steps:
  - id: approve-rotation
    kind: approval
    title: Rotate the integration certificate
    approvers: [{ people: [ben] }]
    timeout: 2h
  - { id: rotate, kind: activity, activity: checkHttpEndpoint, args: { url: "${targetUrl}" } }
onResolve: { notify: [operations] }
`);
    const statusPage: StatusPageOptions = {
      client: env.client,
      webUiLink: (id) => `http://ui.test/namespaces/default/workflows/${id}`,
      sessionSecret: SESSION_SECRET,
      refreshMs: 500,
      health: cachedHealth(
        [
          temporalHealth(env.client),
          workerHealth(env.client, 'default', taskQueue),
          journeysHealth(join(mkdtempSync(join(tmpdir(), 'lockout-journeys-')), 'journeys.json')),
          SALESFORCE_HEALTH_SLOT,
        ],
        1_000,
      ),
      auth: {
        auth,
        sessionTtlMs: 3_600_000,
        secureCookies: false,
        knownPerson: (id) => Object.hasOwn(directory.people, id),
      },
    };
    const options: GatewayOptions = {
      intake: { client: env.client, taskQueue, runbooks: () => [runbook] },
      webUiLink: statusPage.webUiLink,
      sources: { generic: { mode: 'none' } },
      statusPage,
    };
    const app = buildGateway(options);
    await app.listen({ host: '127.0.0.1', port: 0 });
    gateways.push(app);
    return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  }

  let store: Database;
  let tokens: ResponderAuthMode;

  async function alert(base: string, title: string, fingerprint: string): Promise<string> {
    const response = await fetch(`${base}/alerts/generic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title, fingerprint, severity: 'sev1', region: 'eu' }),
    });
    const text = await response.text();
    assert.equal(response.status, 202, text);
    return (JSON.parse(text) as { incidentId: string }).incidentId;
  }

  before(async () => {
    [env, mail, { db: store }] = await Promise.all([
      startLocalTemporal(),
      startMailCatcher(),
      openStore({ kind: 'embedded' }),
    ]);
    tokens = {
      mode: 'tokens',
      responders: () =>
        new Map([
          [hashToken(BEN_TOKEN), 'ben'],
          [hashToken(ANA_TOKEN), 'ana'],
          [hashToken('lrt_ghost-token'), 'ghost'],
        ]),
      store,
    };
    target = createServer((_, res) => {
      hits++;
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/rotate`;
    worker = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      deps: testDeps(mail.url, { directory }),
      workflowBundle: await workflowBundle(),
    });
    running = worker.run();
  });
  after(async () => {
    for (const app of gateways) await app.close();
    worker?.shutdown();
    await running;
    await env?.teardown();
    await store?.close();
    await mail?.close();
    target?.close();
  });

  it('answers 401 to unauthenticated requests for the page, its data and its actions, revealing nothing', async () => {
    const base = await startGateway(tokens);
    const incidentId = await alert(base, 'Secret customer ACME blocked', 'status-401');
    const page = await fetch(`${base}/status`);
    const pageText = await page.text();
    assert.equal(page.status, 401);
    assert.match(pageText, /Not signed in/);
    const data = await fetch(`${base}/status/data`);
    assert.equal(data.status, 401);
    const decide = await fetch(`${base}/status/decide`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ incidentId, step: 'approve-rotation', decision: 'approve', actionHash: 'x' }),
    });
    assert.equal(decide.status, 401);
    for (const text of [pageText, await data.text(), await decide.text()]) {
      assert.ok(!text.includes(incidentId) && !text.includes('ACME'), text);
    }
    // A forged or unsigned session cookie is no session.
    const forged = await fetch(`${base}/status/data`, {
      headers: { cookie: 'lockout_session=ben.99999999999999' },
    });
    assert.equal(forged.status, 401);
    // A wrong token does not sign in.
    const login = await fetch(`${base}/login`);
    const loginPage = await login.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(loginPage)?.[1];
    assert.ok(csrf, loginPage);
    const cookies = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const wrong = await fetch(`${base}/login`, {
      method: 'POST',
      headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, token: 'lrt_not-a-token' }),
      redirect: 'manual',
    });
    assert.equal(wrong.status, 401);
    assert.deepEqual(
      wrong.headers.getSetCookie().filter((c) => c.startsWith('lockout_session=')),
      [],
    );
    // A token of someone the directory does not know does not sign in either.
    const ghost = await fetch(`${base}/login`, {
      method: 'POST',
      headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, token: 'lrt_ghost-token' }),
      redirect: 'manual',
    });
    assert.equal(ghost.status, 401);
    // The right token, but without the form's CSRF token: refused.
    const noCsrf = await fetch(`${base}/login`, {
      method: 'POST',
      headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: BEN_TOKEN }),
      redirect: 'manual',
    });
    assert.equal(noCsrf.status, 403);
    const s = await incidentStatus(env.client, incidentId);
    assert.deepEqual(s.approvals[0]?.decisions ?? [], []);
  });

  it('trusts a proxy identity header only when enabled, from the proxy, for a known person; actions need the CSRF token', async () => {
    const proxied = await startGateway({
      mode: 'proxy',
      header: 'x-forwarded-user',
      allowFrom: ['127.0.0.1', '::ffff:127.0.0.1'],
    });
    const elsewhere = await startGateway({
      mode: 'proxy',
      header: 'x-forwarded-user',
      allowFrom: ['10.9.9.9'],
    });
    const tokenGateway = await startGateway(tokens);
    const as = (who: string) => ({ 'x-forwarded-user': who });

    assert.equal((await fetch(`${proxied}/status/data`)).status, 401, 'no header');
    assert.equal(
      (await fetch(`${proxied}/status/data`, { headers: as('mallory') })).status,
      401,
      'unknown person',
    );
    assert.equal(
      (await fetch(`${elsewhere}/status/data`, { headers: as('ben') })).status,
      401,
      'not from the proxy',
    );
    assert.equal(
      (await fetch(`${tokenGateway}/status/data`, { headers: as('ben') })).status,
      401,
      'header ignored in token mode',
    );

    const incidentId = await alert(proxied, 'ACL drift <script>alert(1)</script>', 'status-proxy');
    let overview:
      | {
          person: string;
          incidents: {
            id: string;
            title: string;
            approvals: { step: string; actionHash: string; mayDecide: boolean; why: string | null }[];
          }[];
        }
      | undefined;
    for (let i = 0; i < 100; i++) {
      const r = await fetch(`${proxied}/status/data`, { headers: as('ana') });
      assert.equal(r.status, 200);
      overview = (await r.json()) as typeof overview;
      if (overview!.incidents.find((x) => x.id === incidentId)?.approvals.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(overview!.person, 'ana');
    const incident = overview!.incidents.find((x) => x.id === incidentId)!;
    assert.equal(
      incident.title,
      'ACL drift <script>alert(1)</script>',
      'data is JSON; the page renders it as text',
    );
    const [approval] = incident.approvals;
    assert.equal(approval!.mayDecide, false);
    assert.match(approval!.why!, /not an approver/);

    const page = await fetch(`${proxied}/status`, { headers: as('ben') });
    assert.equal(page.status, 200);
    const csrf = /data-csrf="([^"]+)"/.exec(await page.text())![1]!;
    const cookies = page.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const decide = (headers: Record<string, string>, body: object) =>
      fetch(`${proxied}/status/decide`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...as('ben'), ...headers },
        body: JSON.stringify(body),
      });
    const body = {
      incidentId,
      step: 'approve-rotation',
      decision: 'approve',
      actionHash: approval!.actionHash,
    };
    assert.equal((await decide({ cookie: cookies }, body)).status, 403, 'no CSRF token');
    assert.equal((await decide({ 'x-csrf-token': csrf }, body)).status, 403, 'no CSRF cookie');
    const stale = await decide({ cookie: cookies, 'x-csrf-token': csrf }, { ...body, actionHash: 'stale' });
    assert.equal(stale.status, 409);
    const bad = await decide({ cookie: cookies, 'x-csrf-token': csrf }, { ...body, decision: 'maybe' });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /decision/);
    assert.deepEqual((await incidentStatus(env.client, incidentId)).approvals[0]!.decisions, []);
    const rejected = await decide(
      { cookie: cookies, 'x-csrf-token': csrf },
      { ...body, decision: 'reject', reason: 'wrong certificate' },
    );
    assert.equal(rejected.status, 200, await rejected.clone().text());
    assert.match(((await rejected.json()) as { message: string }).message, /rejected by ben/);
    const s = await incidentStatus(env.client, incidentId);
    assert.equal(s.approvals[0]!.state, 'rejected');
    assert.ok(
      s.timeline.some(
        (e) => e.summary === 'approve-rotation: the decision of ben came through the status page',
      ),
    );
  });

  it('in Chromium: signs in, sees an incident appear after an alert, approves the pending step with a click', async () => {
    const base = await startGateway(tokens);
    let browser: BrowserContext | undefined;
    try {
      browser = await launchChromium();
      const page = browser.pages()[0] ?? (await browser.newPage());
      const first = await page.goto(`${base}/status`);
      assert.equal(first!.status(), 401);
      await page.getByText('Not signed in').waitFor();

      await page.goto(`${base}/login`);
      await page.fill('#token', BEN_TOKEN);
      await page.click('button[type=submit]');
      await page.waitForURL(`${base}/status`);
      assert.equal(await page.getByTestId('person').textContent(), 'ben');
      await page
        .getByTestId('health-Temporal')
        .getByText(/reachable/)
        .waitFor();

      const incidentId = await alert(
        base,
        'Certificate chain invalid <img src=x onerror=alert(1)>',
        'status-browser',
      );
      const card = page.getByTestId(`incident-${incidentId}`);
      await card.waitFor({ timeout: 30_000 });
      assert.match((await card.textContent())!, /Certificate chain invalid <img src=x onerror=alert\(1\)>/);
      assert.equal(await card.locator('img').count(), 0, 'the title is text, not markup');
      assert.equal(await card.getByTestId('phase').textContent(), 'detected');
      await card
        .getByTestId('countdown')
        .getByText(/\dh \d\dm \d\ds left/)
        .first()
        .waitFor();
      assert.equal(
        await card.getByRole('link', { name: /Temporal Web UI/ }).getAttribute('href'),
        `http://ui.test/namespaces/default/workflows/${incidentId}`,
      );
      await page.getByTestId('health-Salesforce API').getByText('not set up').waitFor();

      const approve = page.getByTestId(`approve-${incidentId}-approve-rotation`);
      await approve.waitFor({ timeout: 30_000 });
      assert.equal(hits, 0);
      await approve.click();
      await page
        .getByTestId('flash')
        .getByText(/approved by ben; approve-rotation is approved/)
        .waitFor();
      await page.getByTestId(`approval-${incidentId}-approve-rotation`).waitFor({ state: 'detached' });
      await page.screenshot({ path: join(tmpdir(), 'lockout-status-page.png'), fullPage: true });

      const s = await incidentStatus(env.client, incidentId);
      assert.equal(s.approvals[0]!.state, 'approved');
      assert.deepEqual(
        s.approvals[0]!.decisions.map((d) => d.by),
        ['ben'],
      );
      assert.ok(
        s.timeline.some(
          (e) => e.summary === 'approve-rotation: the decision of ben came through the status page',
        ),
      );
      for (let i = 0; i < 100 && hits === 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(hits, 1, 'the approved action ran');
    } catch (err) {
      // What the page showed, for whoever reads the failure.
      const page = browser?.pages()[0];
      if (page) {
        await page.screenshot({ path: join(tmpdir(), 'lockout-status-page-failed.png'), fullPage: true });
        (err as Error).message += `\npage text:\n${await page.locator('body').innerText()}`;
      }
      throw err;
    } finally {
      await browser?.close();
    }
  });
});
