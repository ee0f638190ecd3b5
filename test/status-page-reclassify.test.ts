/**
 * Reclassifying from the compliance status page (issue #12, item 4): in Chromium, a signed-in
 * responder picks the pattern of an unclassified incident and moves it to that runbook; over HTTP,
 * the route refuses the unauthenticated, a missing CSRF token and a pattern that does not exist.
 * Dev server (the move is a continue-as-new), real gateway, real worker.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { BrowserContext } from 'playwright-core';
import { loadDirectory } from '../comms/directory';
import { buildGateway } from '../gateway/server';
import { hashToken } from '../links/responders-file';
import type { Database } from '../store/database';
import { openStore } from '../store/open';
import { createIncidentWorker } from '../workers/worker';
import { launchChromium } from './helpers/chromium';
import { testDeps } from './helpers/deps';
import { incidentStatus } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { runbookFromYaml } from './helpers/runbooks';
import { startLocalTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';

const directory = loadDirectory(join(__dirname, 'fixtures', 'directory.yaml'));
const ANA_TOKEN = 'lrt_ana-reclassify-token-7c2e9a1b';
const SESSION_SECRET = 'status-page-reclassify-session-secret-0123';

const GENERIC = runbookFromYaml(`
id: page-generic
version: 1
title: Generic (page test)
match: { patterns: [unclassified], fallback: true }
clocks:
  - { id: report, title: Compliance report, from: detected, within: 4h, metBy: manual }
escalation: { levels: [] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
  - { id: await-containment, kind: wait, until: { phase: contained } }
onResolve: { notify: [operations] }
`);
const TOKEN = runbookFromYaml(`
id: page-token
version: 1
title: Token expiry (page test)
match: { patterns: [token-expiry] }
clocks:
  - { id: report, title: Compliance report, from: detected, within: 4h, metBy: manual }
escalation: { levels: [] }
steps:
  - { id: notify-ops, kind: notify, audience: operations, template: ops-technical-alert }
  - { id: await-containment, kind: wait, until: { phase: contained } }
onResolve: { notify: [operations] }
`);

describe('reclassify from the status page (dev server, real gateway; Chromium)', function () {
  this.timeout(180_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let store: Database;
  let worker: Worker;
  let running: Promise<void>;
  let app: FastifyInstance;
  let base: string;
  const taskQueue = uniqueTaskQueue('status-reclassify');

  before(async () => {
    [env, mail, { db: store }] = await Promise.all([
      startLocalTemporal(),
      startMailCatcher(),
      openStore({ kind: 'embedded' }),
    ]);
    worker = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      deps: { ...testDeps(mail.url, { directory }), runbooks: () => [GENERIC, TOKEN] },
      workflowBundle: await workflowBundle(),
    });
    running = worker.run();
    const webUiLink = (id: string) => `http://ui.test/namespaces/default/workflows/${id}`;
    app = buildGateway({
      intake: { client: env.client, taskQueue, runbooks: () => [GENERIC, TOKEN] },
      webUiLink,
      sources: { generic: { mode: 'none' } },
      statusPage: {
        client: env.client,
        webUiLink,
        sessionSecret: SESSION_SECRET,
        refreshMs: 500,
        health: async () => [],
        auth: {
          auth: { mode: 'tokens', responders: () => new Map([[hashToken(ANA_TOKEN), 'ana']]), store },
          sessionTtlMs: 3_600_000,
          secureCookies: false,
          knownPerson: (id) => Object.hasOwn(directory.people, id),
        },
      },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app?.close();
    worker?.shutdown();
    await running;
    await env?.teardown();
    await store?.close();
    await mail?.close();
  });

  it('a signed-in responder chooses the pattern of an unclassified incident; hostile requests change nothing', async () => {
    const response = await fetch(`${base}/alerts/generic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Salesforce calls failing', fingerprint: 'page-reclassify' }),
    });
    assert.equal(response.status, 202);
    const { incidentId } = (await response.json()) as { incidentId: string };

    const anonymous = await fetch(`${base}/status/reclassify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ incidentId, pattern: 'token-expiry', reason: 'r' }),
    });
    assert.equal(anonymous.status, 401);

    let browser: BrowserContext | undefined;
    try {
      browser = await launchChromium();
      const page = browser.pages()[0] ?? (await browser.newPage());
      await page.goto(`${base}/login`);
      await page.fill('#token', ANA_TOKEN);
      await page.click('button[type=submit]');
      await page.waitForURL(`${base}/status`);
      const card = page.getByTestId(`incident-${incidentId}`);
      await card.waitFor({ timeout: 30_000 });
      await card.getByText('Unclassified: what is it?').waitFor();

      // Over HTTP as the signed-in page would, without the CSRF token, then with a made-up pattern.
      const csrf = (await page.getAttribute('#cockpit', 'data-csrf'))!;
      const post = (body: object, withCsrf: boolean) =>
        page.evaluate(
          async ({ body, headers }) => {
            const r = await fetch('/status/reclassify', {
              method: 'POST',
              headers,
              body: JSON.stringify(body),
            });
            return { status: r.status, body: (await r.json()) as { problems?: string[] } };
          },
          {
            body,
            headers: { 'content-type': 'application/json', ...(withCsrf ? { 'x-csrf-token': csrf } : {}) },
          },
        );
      assert.equal((await post({ incidentId, pattern: 'token-expiry', reason: 'r' }, false)).status, 403);
      const bogus = await post({ incidentId, pattern: 'ransomware', reason: 'r' }, true);
      assert.equal(bogus.status, 400);
      assert.match(bogus.body.problems![0]!, /^pattern: must be one of certificate-chain, /);
      const noReason = await post({ incidentId, pattern: 'token-expiry', reason: ' ' }, true);
      assert.deepEqual(noReason.body.problems, ['reason: say why (it goes into the timeline)']);
      assert.equal((await incidentStatus(env.client, incidentId)).runbook.id, 'page-generic');

      await page.getByTestId(`reclassify-pattern-${incidentId}`).selectOption('token-expiry');
      await page.getByTestId(`reclassify-reason-${incidentId}`).fill('INVALID_SESSION_ID on every call');
      await page.getByTestId(`reclassify-${incidentId}`).click();
      await page
        .getByTestId('flash')
        .getByText(/reclassified by ana from unclassified \(runbook page-generic v1\) to token-expiry/)
        .waitFor({ timeout: 30_000 });
      await card.getByTestId('runbook').getByText('page-token').waitFor({ timeout: 30_000 });
      assert.equal(await card.getByTestId('pattern').textContent(), 'token-expiry');

      const s = await incidentStatus(env.client, incidentId);
      assert.equal(s.runbook.id, 'page-token');
      const evidence = s.timeline.find((e) => e.summary.startsWith('reclassified by '));
      assert.equal(evidence?.actor, 'ana');
      assert.match(evidence!.summary, /: INVALID_SESSION_ID on every call$/);
    } catch (err) {
      const page = browser?.pages()[0];
      if (page) (err as Error).message += `\npage text:\n${await page.locator('body').innerText()}`;
      throw err;
    } finally {
      await browser?.close();
    }
  });
});
