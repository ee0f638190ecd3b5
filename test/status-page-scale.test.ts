/**
 * The status page with 250 open incidents (issue 11): every one reachable through the pager,
 * counts over all of them, the most urgent first, filters that narrow, and "waiting for me"
 * showing exactly the approvals the person may decide. Real incidents on the dev server, a quiet
 * runbook (no escalation, one approval, one clock), the real gateway, Debian's Chromium.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { BrowserContext, Page } from 'playwright-core';
import { loadDirectory } from '../comms/directory';
import { sendAction } from '../client/actions';
import { buildGateway } from '../gateway/server';
import type { Region, Severity } from '../domain/alert';
import { createIncidentWorker } from '../workers/worker';
import { launchChromium } from './helpers/chromium';
import { runCli } from './helpers/cli';
import { testDeps } from './helpers/deps';
import { sendAlert } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { runbookFromYaml } from './helpers/runbooks';
import { startLocalTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';

const directory = loadDirectory(join(__dirname, 'fixtures', 'directory.yaml'));
const OPEN = 250;

/** eu incidents ask ben to approve, us incidents ask ana, global ones ask nobody. */
const runbook = runbookFromYaml(`
id: status-scale
version: 1
title: Status page at scale
clocks:
  - { id: sev1-update, title: Sev1 status update, from: detected, within: 30m, metBy: manual, when: { fact: severity, equals: sev1 } }
  - { id: report, title: Status report, from: detected, within: 4h, metBy: manual }
escalation: { levels: [] }
steps:
  - { id: route, kind: branch, if: { fact: region, equals: global }, then: end }
  - { id: to-ana, kind: branch, if: { fact: region, equals: us }, then: ask-ana }
  - { id: ask-ben, kind: approval, title: Ben decides, approvers: [{ people: [ben] }], timeout: 8h, next: end }
  - { id: ask-ana, kind: approval, title: Ana decides, approvers: [{ people: [ana] }], timeout: 8h }
onResolve: { notify: [operations] }
`);

interface Planned {
  id?: string;
  i: number;
  severity: Severity;
  region: Region;
  acknowledged: boolean;
}

/** A mix of severities and regions; the first (oldest) is a sev1 that the old page lost. */
const plan: Planned[] = Array.from({ length: OPEN }, (_, i) => ({
  i,
  severity: i === 0 || i % 9 === 0 ? 'sev1' : i % 3 === 0 ? 'sev2' : 'sev3',
  region: (['eu', 'us', 'global'] as const)[i % 3]!,
  acknowledged: i % 10 === 5,
}));

describe('status page with 250 open incidents (dev server, real gateway; Chromium)', function () {
  this.timeout(240_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let worker: Worker;
  let running: Promise<void>;
  let gateway: FastifyInstance;
  let base: string;
  const taskQueue = uniqueTaskQueue('status-scale');

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
    worker = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      deps: testDeps(mail.url, { directory }),
      workflowBundle: await workflowBundle(),
    });
    running = worker.run();
    gateway = buildGateway({
      intake: { client: env.client, taskQueue, runbooks: () => [runbook] },
      webUiLink: (id) => `http://ui.test/${id}`,
      sources: { generic: { mode: 'none' } },
      statusPage: {
        client: env.client,
        webUiLink: (id) => `http://ui.test/${id}`,
        sessionSecret: 'status-scale-test-session-secret-0123456789',
        refreshMs: 60_000, // the test drives the page; no polling underneath it
        health: async () => [],
        auth: {
          auth: { mode: 'proxy', header: 'x-forwarded-user', allowFrom: ['127.0.0.1', '::ffff:127.0.0.1'] },
          sessionTtlMs: 3_600_000,
          secureCookies: false,
          knownPerson: (id) => Object.hasOwn(directory.people, id),
        },
      },
    });
    await gateway.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;

    const open = async (p: Planned) => {
      const { incidentId } = await sendAlert(
        env.client,
        taskQueue,
        {
          title: `Scale incident ${p.i}`,
          fingerprint: `scale-${p.i}`,
          severity: p.severity,
          region: p.region,
          pattern: 'certificate-chain',
        },
        [runbook],
      );
      p.id = incidentId;
      if (p.acknowledged) await sendAction(env.client, incidentId, 'acknowledge', { by: 'ana' });
    };
    await open(plan[0]!); // the oldest
    let next = 1;
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        while (next < OPEN) await open(plan[next++]!);
      }),
    );
  });

  after(async () => {
    await gateway?.close();
    worker?.shutdown();
    await running;
    await env?.teardown();
    await mail?.close();
  });

  const expected = () => ({
    open: OPEN,
    unacknowledged: plan.filter((p) => !p.acknowledged).length,
    approvalsWaiting: plan.filter((p) => p.region !== 'global').length,
    deadlinesWithinHour: plan.filter((p) => p.severity === 'sev1').length,
  });
  const idsWhere = (keep: (p: Planned) => boolean) =>
    plan
      .filter(keep)
      .map((p) => p.id!)
      .sort();

  /** Visibility is eventually consistent: wait until every incident has published its state. */
  async function settled(): Promise<void> {
    let last = '';
    for (let i = 0; i < 300; i++) {
      const r = await fetch(`${base}/status/data?pageSize=1`, { headers: { 'x-forwarded-user': 'ben' } });
      last = JSON.stringify(((await r.json()) as { counts: unknown }).counts);
      if (last === JSON.stringify(expected())) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.fail(`counts never reached ${JSON.stringify(expected())}; last ${last}`);
  }

  async function shownIds(page: Page): Promise<string[]> {
    return page
      .getByTestId('incidents')
      .locator('article[data-incident]')
      .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-incident')!));
  }

  /** Clicks "next" until the last page; the ids of every page, in order. */
  async function walkPages(page: Page): Promise<string[][]> {
    const pages: string[][] = [];
    for (;;) {
      const summary = (await page.getByTestId('page-summary').textContent())!;
      const [, n, of] = /^page (\d+) of (\d+)/.exec(summary)!;
      pages.push(await shownIds(page));
      if (n === of) return pages;
      await page.getByTestId('page-next').click();
      await page
        .getByTestId('page-summary')
        .getByText(`page ${Number(n) + 1} of ${of}`)
        .waitFor();
    }
  }

  async function pageSummaryMatches(page: Page, text: RegExp | string): Promise<void> {
    await page.getByTestId('page-summary').getByText(text).waitFor({ timeout: 30_000 });
  }

  it('counts all of them, puts the oldest sev1 first, pages through every one, and filters', async () => {
    await settled();
    let browser: BrowserContext | undefined;
    try {
      browser = await launchChromium();
      await browser.setExtraHTTPHeaders({ 'x-forwarded-user': 'ben' });
      const page = browser.pages()[0] ?? (await browser.newPage());
      await page.goto(`${base}/status`);
      const want = expected();
      await pageSummaryMatches(page, `page 1 of ${Math.ceil(OPEN / 25)} · ${OPEN} open · ${OPEN} match`);
      const count = async (id: string) =>
        Number(await page.getByTestId(`count-${id}`).locator('strong').textContent());
      assert.deepEqual(
        {
          open: await count('open'),
          unacknowledged: await count('unacknowledged'),
          approvalsWaiting: await count('approvals'),
          deadlinesWithinHour: await count('deadlines'),
        },
        want,
      );

      // The oldest incident, a sev1 with the nearest deadline, leads page 1.
      const first = await shownIds(page);
      assert.equal(first[0], plan[0]!.id);
      assert.equal(first.length, 25);

      // Every open incident is on exactly one page.
      const pages = await walkPages(page);
      assert.equal(pages.length, Math.ceil(OPEN / 25));
      assert.deepEqual(
        pages.flat().sort(),
        idsWhere(() => true),
      );
      assert.deepEqual(pages.at(-1), await shownIds(page));
      assert.equal(await page.getByTestId('page-next').isDisabled(), true);

      // Severity, then region too: the matching count and the cards narrow; the URL keeps them.
      await page.getByTestId('filter-severity').selectOption('sev1');
      const sev1 = idsWhere((p) => p.severity === 'sev1');
      await pageSummaryMatches(
        page,
        `page 1 of ${Math.ceil(sev1.length / 25)} · ${OPEN} open · ${sev1.length} match`,
      );
      assert.match(page.url(), /\?severity=sev1$/);
      assert.deepEqual((await walkPages(page)).flat().sort(), sev1);
      await page.getByTestId('filter-region').selectOption('us');
      const sev1us = idsWhere((p) => p.severity === 'sev1' && p.region === 'us');
      await pageSummaryMatches(page, `${sev1us.length} match`);
      assert.deepEqual((await shownIds(page)).sort(), sev1us);
      for (const card of await page.getByTestId('incidents').locator('article').all())
        assert.match((await card.textContent())!, /^sev1 .*region us/);

      // A shared link shows the same selection.
      const shared = await browser.newPage();
      await shared.goto(page.url());
      await pageSummaryMatches(shared, `${sev1us.length} match`);
      assert.equal(await shared.getByTestId('filter-region').inputValue(), 'us');
      await shared.close();

      // "Waiting for me": exactly the incidents with an approval ben may decide, each with its button.
      await page.getByTestId('filter-severity').selectOption('');
      await page.getByTestId('filter-region').selectOption('');
      await page.getByTestId('filter-mine').check();
      const bens = idsWhere((p) => p.region === 'eu');
      await pageSummaryMatches(page, `${bens.length} match`);
      const mine = (await walkPages(page)).flat();
      assert.deepEqual([...mine].sort(), bens);
      for (const id of (await shownIds(page)).slice(0, 5))
        await page.getByTestId(`approve-${id}-ask-ben`).waitFor();
    } catch (err) {
      const page = browser?.pages()[0];
      if (page) {
        await page.screenshot({ path: join(tmpdir(), 'lockout-status-scale-failed.png'), fullPage: true });
        (err as Error).message += `\npage text:\n${(await page.locator('body').innerText()).slice(0, 3000)}`;
      }
      throw err;
    } finally {
      await browser?.close();
    }
  });

  it('answers 400 naming the field for a bad query, and ana waits on the us approvals only', async () => {
    const get = (query: string, who = 'ana') =>
      fetch(`${base}/status/data?${query}`, { headers: { 'x-forwarded-user': who } });
    const bad = await get('pageSize=1000');
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /pageSize/);
    const mine = (await (await get('mine=1&pageSize=100')).json()) as {
      matching: number;
      incidents: { id: string; approvals: { mayDecide: boolean }[] }[];
    };
    assert.equal(mine.matching, idsWhere((p) => p.region === 'us').length);
    assert.ok(mine.incidents.every((i) => i.approvals.some((a) => a.mayDecide)));
  });

  it('lockout list says how many its --limit left out', async () => {
    const listed = await runCli(['list', '--limit', '5', '--json'], {
      TEMPORAL_ADDRESS: env.address,
      LOCKOUT_TASK_QUEUE: taskQueue,
    });
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal((JSON.parse(listed.stdout) as unknown[]).length, 5);
    assert.match(listed.stderr, new RegExp(`showing the newest 5 of ${OPEN} incidents; --limit ${OPEN}`));
  });
});
