/**
 * report.pdf's printer (evidence/pdf.ts) with Debian's Chromium: prints that overlap share one
 * browser, and none is left running once they are done.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { printPdf, printerStats } from '../evidence/pdf';
import { CHROMIUM } from './helpers/chromium';

const page = (n: number) =>
  `<html><body><h1>Incident ${n}</h1>${'<p>timeline entry</p>'.repeat(200)}</body></html>`;

function assertPdf(printed: Awaited<ReturnType<typeof printPdf>>): void {
  assert.ok(printed.ok, printed.ok ? '' : printed.reason);
  assert.equal(printed.pdf.subarray(0, 5).toString('latin1'), '%PDF-');
}

describe('the PDF printer', function () {
  this.timeout(120_000);

  before(() => {
    if (!existsSync(CHROMIUM))
      throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package (.ci/run does)`);
  });

  it('prints overlapping reports in one browser and closes it after the last', async () => {
    const before = printerStats().launched;
    const printing = [1, 2, 3, 4].map((n) => printPdf(page(n), CHROMIUM));
    assert.equal(printerStats().open, 1, 'one browser while four reports print');
    for (const printed of await Promise.all(printing)) assertPdf(printed);
    assert.deepEqual(printerStats(), { launched: before + 1, open: 0 });
  });

  it('launches a fresh browser for a print that starts after the others ended', async () => {
    const before = printerStats().launched;
    assertPdf(await printPdf(page(5), CHROMIUM));
    assertPdf(await printPdf(page(6), CHROMIUM));
    assert.deepEqual(printerStats(), { launched: before + 2, open: 0 });
  });

  it('says where Chromium was looked for when it is not there, and launches nothing', async () => {
    const before = printerStats().launched;
    const printed = await printPdf(page(7), '/nonexistent/chromium');
    assert.equal(printed.ok, false);
    assert.match(printed.ok ? '' : printed.reason, /Chromium not found at \/nonexistent\/chromium/);
    assert.equal(printerStats().launched, before);
  });
});
