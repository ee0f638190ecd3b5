/**
 * `npm run bundle`: builds the workflow bundle ahead of the workers (the Docker image does this),
 * so a worker started with LOCKOUT_WORKFLOW_BUNDLE skips webpack. docs/production.md.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { tracesEndpoint } from '../lib/tracing';
import { writePrebuiltBundle } from '../temporal/prebuilt-bundle';
import { WORKFLOWS_PATH } from '../workers/worker';

async function main(): Promise<void> {
  const opts = new Command('bundle')
    .description(
      'Bundle workflows/ for workers to load at start (LOCKOUT_WORKFLOW_BUNDLE). A worker uses it only\n' +
        'while the code and the tracing setting are the ones it was built with; otherwise it bundles at start.',
    )
    .option('--out <file>', 'where to write the bundle', 'dist/workflow-bundle.js')
    .addOption(
      new Option(
        '--tracing <when>',
        'carry the tracing interceptors (auto: when OTEL_* variables turn tracing on)',
      )
        .choices(['auto', 'on', 'off'])
        .default('auto'),
    )
    .option('--json', 'print the result as JSON')
    .parse()
    .opts<{ out: string; tracing: 'auto' | 'on' | 'off'; json?: boolean }>();
  const out = resolve(opts.out);
  const tracing = opts.tracing === 'auto' ? tracesEndpoint() !== undefined : opts.tracing === 'on';
  if (!opts.json)
    console.error(
      `bundling workflows/ (tracing interceptors ${tracing ? 'in' : 'out'}); webpack takes a few seconds`,
    );
  const started = Date.now();
  mkdirSync(dirname(out), { recursive: true });
  const { header, bytes } = await writePrebuiltBundle(WORKFLOWS_PATH, out, { tracing });
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  if (opts.json) console.log(JSON.stringify({ out, bytes, seconds, ...header }));
  else
    console.log(
      `wrote ${out} (${(bytes / 1024 / 1024).toFixed(1)} MiB) in ${seconds} s; code ${header.fingerprint.slice(0, 19)}…` +
        `\nworkers use it with LOCKOUT_WORKFLOW_BUNDLE=${out}`,
    );
}

main().catch((err: Error) => {
  console.error(`bundle: ${err.message}`);
  process.exit(1);
});
