/**
 * report.pdf: report.html printed by Chromium (Debian's package; no browser is downloaded),
 * driven by playwright-core. The page is loaded from a string with scripts and network off, so
 * printing never fetches anything.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
];

export type Printed = { ok: true; pdf: Buffer } | { ok: false; reason: string };

export async function printPdf(html: string, chromiumPath = DEFAULT_CHROMIUM): Promise<Printed> {
  if (!existsSync(chromiumPath))
    return {
      ok: false,
      reason: `Chromium not found at ${chromiumPath} (install Debian's chromium or set LOCKOUT_CHROMIUM)`,
    };
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: FLAGS });
  try {
    const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
    const page = await context.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    const pdf = await page.pdf({
      format: 'A4',
      printBackground: true,
      margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' },
    });
    return { ok: true, pdf };
  } finally {
    await browser.close();
  }
}
