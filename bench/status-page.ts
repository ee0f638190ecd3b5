/**
 * (5) The status page with every incident the bench left open: how long listing them from
 * visibility takes, the first page's JSON (cold and from the shared cache), the whole page in
 * Chromium (bytes loaded, time until the pager says how many), against reading every open
 * incident's status at once (what one page of all of them would cost).
 */
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { listOpenIncidents, readStatuses } from '../client/open-incidents';
import type { BenchStack } from './stack';
import { ratio } from './stats';

export interface StatusPageResult {
  open: number;
  pageSize: number;
  listMs: number;
  firstPage: { coldMs: number; warmMs: number; jsonKiB: number };
  browser: { renderMs: number; loadedKiB: number } | { skipped: string };
  allStatuses: { ms: number; jsonKiB: number; unreadable: number };
  ratio: { bytes: number; time: number };
}

const CHROMIUM = process.env.LOCKOUT_TEST_CHROMIUM ?? '/usr/bin/chromium';
const KiB = 1024;
const round = (x: number) => Math.round(x * 10) / 10;

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await run();
  return { ms: round(performance.now() - start), value };
}

/** Loads /status in Chromium; the time until the pager shows the count, and every byte fetched. */
async function renderInChromium(url: string, person: string): Promise<StatusPageResult['browser']> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const context = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-user': person } });
    const page = await context.newPage();
    let bytes = 0;
    page.on('response', (response) => {
      void response
        .body()
        .then((b) => (bytes += b.length))
        .catch(() => undefined);
    });
    const start = performance.now();
    await page.goto(`${url}/status`);
    await page
      .getByTestId('page-summary')
      .getByText(/^page 1 of/)
      .waitFor({ timeout: 120_000 });
    const renderMs = round(performance.now() - start);
    await page.waitForLoadState('networkidle');
    return { renderMs, loadedKiB: round(bytes / KiB) };
  } finally {
    await browser.close();
  }
}

/** The workers of every queue the open incidents run on must be running: the caller's. */
export async function measureStatusPage(
  stack: BenchStack,
  gatewayQueue: string,
  say: (line: string) => void,
): Promise<StatusPageResult> {
  const person = 'bench';
  const gateway = await stack.gateway(gatewayQueue, { statusPageAs: person });
  try {
    const list = await timed(() => listOpenIncidents(stack.client));
    const open = list.value.length;
    say(`      ${open} open incidents listed in ${list.ms} ms`);
    const data = () =>
      fetch(`${gateway.url}/status/data`, { headers: { 'x-forwarded-user': person } }).then(async (r) => {
        if (!r.ok) throw new Error(`/status/data: HTTP ${r.status} ${await r.text()}`);
        return r.text();
      });
    const cold = await timed(data);
    const warm = await timed(data);
    const pageSize = (JSON.parse(cold.value) as { pageSize: number }).pageSize;
    const browser = await renderInChromium(gateway.url, person).catch((err: Error) => ({
      skipped: err.message.split('\n')[0]!,
    }));
    const all = await timed(() =>
      readStatuses(
        stack.client,
        list.value.map((i) => i.id),
      ),
    );
    const statuses = [...all.value.values()];
    const allKiB = round(Buffer.byteLength(JSON.stringify(statuses.filter((r) => r.ok))) / KiB);
    const pageKiB = round(Buffer.byteLength(cold.value) / KiB);
    return {
      open,
      pageSize,
      listMs: list.ms,
      firstPage: { coldMs: cold.ms, warmMs: warm.ms, jsonKiB: pageKiB },
      browser,
      allStatuses: { ms: all.ms, jsonKiB: allKiB, unreadable: statuses.filter((r) => !r.ok).length },
      ratio: { bytes: ratio(allKiB, pageKiB), time: ratio(all.ms, cold.ms) },
    };
  } finally {
    await gateway.close();
  }
}
