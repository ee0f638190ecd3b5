/**
 * Run by test/allocator.test.ts with jemalloc preloaded (and the product's MALLOC_CONF): says
 * which allocator it runs with, what a process it spawns inherits, and whether Chromium prints.
 * `--keep`: it calls keepAllocatorToThisProcess() first, as the worker and `npm start` do.
 */
import { spawnSync } from 'node:child_process';
import { keepAllocatorToThisProcess, processAllocator } from '../../lib/allocator';
import { printPdf } from '../../evidence/pdf';

async function main(): Promise<void> {
  const self = processAllocator();
  if (process.argv.includes('--keep')) keepAllocatorToThisProcess();
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      "const maps = require('fs').readFileSync('/proc/self/maps', 'utf8');" +
        "process.stdout.write(JSON.stringify({ jemalloc: maps.includes('libjemalloc'), conf: process.env.MALLOC_CONF ?? null }))",
    ],
    { encoding: 'utf8' },
  );
  const printed = await printPdf('<p>allocator check</p>').catch((err: Error) => ({
    ok: false as const,
    reason: err.message.split('\n')[0]!,
  }));
  process.stdout.write(
    JSON.stringify({
      self: self.name,
      child: JSON.parse(probe.stdout) as unknown,
      pdf: printed.ok ? printed.pdf.subarray(0, 5).toString('latin1') : `failed: ${printed.reason}`,
    }),
  );
}

main().catch((err: Error) => {
  process.stdout.write(JSON.stringify({ error: err.message }));
});
