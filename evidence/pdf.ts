/**
 * report.pdf: report.html printed by Chromium (Debian's package; no browser is downloaded),
 * driven by playwright-core. The page is loaded from a string with scripts and network off, so
 * printing never fetches anything. playwright-core loads on the first print (almost a second of
 * start-up that a process which prints nothing should not pay).
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { withoutAllocator } from '../lib/allocator';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
];

export type Printed = { ok: true; pdf: Buffer } | { ok: false; reason: string };

/**
 * Prints that overlap share one browser (a worker closing several incidents at once launches
 * Chromium once, not once each: six reports 2.5–3 s instead of 4, docs/evidence.md); the last one to
 * finish closes it, so no process keeps a browser it is not using.
 */
interface Shared {
  browser: Promise<Browser>;
  users: number;
}
const shared = new Map<string, Shared>();
let launches = 0;

/** Browsers launched by this process so far, and open now (tests and diagnostics). */
export function printerStats(): { launched: number; open: number } {
  return { launched: launches, open: shared.size };
}

async function withBrowser<T>(chromiumPath: string, use: (browser: Browser) => Promise<T>): Promise<T> {
  let entry = shared.get(chromiumPath);
  if (!entry) {
    launches++;
    const launched = import('playwright-core').then(({ chromium }) =>
      // Not with our allocator settings (the Docker image preloads jemalloc): Chromium dies under them.
      chromium.launch({
        executablePath: chromiumPath,
        headless: true,
        args: FLAGS,
        env: withoutAllocator(process.env),
      }),
    );
    const created: Shared = { browser: launched, users: 0 };
    entry = created;
    shared.set(chromiumPath, created);
    // A browser that crashed is not handed to the next print.
    launched.then(
      (b) =>
        b.once('disconnected', () => shared.get(chromiumPath) === created && shared.delete(chromiumPath)),
      () => shared.get(chromiumPath) === created && shared.delete(chromiumPath),
    );
  }
  const mine = entry;
  mine.users++;
  try {
    return await use(await mine.browser);
  } finally {
    if (--mine.users === 0) {
      if (shared.get(chromiumPath) === mine) shared.delete(chromiumPath);
      await mine.browser.then((b) => b.close()).catch(() => undefined);
    }
  }
}

export async function printPdf(html: string, chromiumPath = DEFAULT_CHROMIUM): Promise<Printed> {
  if (!existsSync(chromiumPath))
    return {
      ok: false,
      reason: `Chromium not found at ${chromiumPath} (install Debian's chromium or set LOCKOUT_CHROMIUM)`,
    };
  return withBrowser(chromiumPath, async (browser) => {
    const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
    try {
      const page = await context.newPage();
      await page.setContent(html, { waitUntil: 'load' });
      const pdf = await page.pdf({
        format: 'A4',
        printBackground: true,
        margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' },
      });
      return { ok: true, pdf };
    } finally {
      await context.close().catch(() => undefined);
    }
  });
}
