/**
 * `npm run bench`: performance of lockout-runbook beside bare Temporal, in one run on one fresh
 * dev server. Prints a table, writes JSON under bench-results/. `--quick` for a smoke run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { TEMPORAL_CLI_VERSION } from '../temporal/binaries';
import { measureActions } from './actions';
import { measureLatency, measureLatencyCell, type LatencyCell } from './latency';
import { openingOf } from './opening-runbook';
import { measureMemory } from './memory';
import { formatTable } from './report';
import { startStack } from './stack';
import { measureStorm } from './storm';
import { measureTraces } from './traces';
import { measureStatusPage } from './status-page';
import { findJemalloc, type Allocator } from '../lib/allocator';

interface BenchOptions {
  quick?: boolean;
  incidents?: number;
  latencyConcurrency: number;
  latencyBurst: number;
  stormAlerts?: number;
  stormFingerprints?: number;
  stormConcurrency: number;
  lifecycles?: number;
  open?: number;
  runbook: string;
  allocator: 'auto' | 'jemalloc' | 'system';
  out: string;
}

function allocatorChoice(value: string): BenchOptions['allocator'] {
  if (value === 'auto' || value === 'jemalloc' || value === 'system') return value;
  throw new InvalidArgumentError('must be auto, jemalloc or system');
}

/** The workers' malloc: jemalloc as the Docker image runs them, when this machine has it. */
function chooseAllocator(choice: BenchOptions['allocator']): Allocator {
  if (choice === 'system') return { name: 'system' };
  const library = findJemalloc();
  if (library) return { name: 'jemalloc', library };
  if (choice === 'jemalloc')
    throw new InvalidArgumentError(
      '--allocator jemalloc: no libjemalloc.so.2 here (Debian: apt-get install libjemalloc2)',
    );
  return { name: 'system' };
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

const benchStarted = Date.now();

/** Progress on stderr, with the seconds since the bench started (where a long run spends them). */
function say(line: string): void {
  const elapsed = Math.round((Date.now() - benchStarted) / 1000);
  process.stderr.write(`[bench ${String(elapsed).padStart(4)} s] ${line}\n`);
}

async function main(): Promise<void> {
  const opts = new Command('npm run bench --')
    .description(
      'Measure lockout-runbook beside bare Temporal on a fresh dev server; table on stdout, JSON in bench-results/',
    )
    .option('--quick', 'a small smoke run (20 incidents, 200 storm alerts, 100 open incidents)')
    .option('--incidents <n>', 'latency: incidents to open (default 300)', count)
    .option('--latency-concurrency <n>', 'latency: alerts in flight at once', count, 4)
    .option('--latency-burst <n>', 'latency: alerts in flight in the second round', count, 32)
    .option('--storm-alerts <n>', 'storm: alerts to send (default 2000)', count)
    .option('--storm-fingerprints <k>', 'storm: distinct fingerprints (default 20)', count)
    .option('--storm-concurrency <n>', 'storm: HTTP requests in flight at once', count, 64)
    .option('--lifecycles <n>', 'actions: full incident lifecycles to count (default 5)', count)
    .option('--open <n>', 'memory: open incidents in the worker (default 1000)', count)
    .option('--runbook <id>', 'the standard runbook every bench incident runs', 'generic-lockout')
    .option(
      '--allocator <auto|jemalloc|system>',
      "every worker's malloc; auto: jemalloc when installed, as the Docker image runs it",
      allocatorChoice,
      'auto' as const,
    )
    .option('--out <dir>', 'where the JSON result goes', 'bench-results')
    .parse()
    .opts<BenchOptions>();
  const plan = {
    incidents: opts.incidents ?? (opts.quick ? 20 : 300),
    stormAlerts: opts.stormAlerts ?? (opts.quick ? 200 : 2000),
    stormFingerprints: opts.stormFingerprints ?? (opts.quick ? 5 : 20),
    lifecycles: opts.lifecycles ?? (opts.quick ? 2 : 5),
    open: opts.open ?? (opts.quick ? 100 : 1000),
  };
  const run = Date.now().toString(36);
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    os: `${platform()} ${release()}`,
    node: process.version,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
  say(
    `machine: ${machine.cpus} CPUs (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`,
  );

  const allocator = chooseAllocator(opts.allocator);
  say(
    `workers' memory allocator: ${allocator.name === 'jemalloc' ? `jemalloc (${allocator.library})` : "the system's malloc"}`,
  );
  const stack = await startStack(opts.runbook, say, allocator);
  // Stopped by hand (Ctrl-C, kill): the dev server and the workers go too.
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)
    process.once(signal, () => {
      say(`${signal}: stopping the dev server and the workers`);
      void stack.close().finally(() => process.exit(code));
    });
  const started = new Date();
  try {
    say(`Temporal dev server ${stack.address} (CLI ${TEMPORAL_CLI_VERSION}, server ${stack.serverVersion})`);
    const queues = {
      incident: `bench-${run}-incidents`,
      configured: `bench-${run}-configured`,
      baseline: `bench-${run}-baseline`,
    };
    const incidentWorker = await stack.worker('incident', queues.incident);
    const configuredWorker = await stack.worker('incident', queues.configured, { configured: true });
    const baselineWorker = await stack.worker('baseline', queues.baseline);

    say(
      `(1/5) alert → first notification: ${plan.incidents} incidents, ${opts.latencyConcurrency} at a time`,
    );
    const step = Math.max(1, Math.floor(plan.incidents / 10));
    const latency = await measureLatency(
      stack,
      queues,
      { count: plan.incidents, concurrency: opts.latencyConcurrency, run },
      (done) => done % step === 0 && say(`      ${done}/${plan.incidents} notified`),
    );
    // Said at once: a later step failing on a loaded machine does not lose this figure.
    say(
      `      p50 ${latency.incidentMs.p50} ms (bare Temporal ${latency.baselineMs.p50} ms), p99 ${latency.incidentMs.p99} ms; ` +
        `encryption ${latency.encryption.codecMs.p50} ms p50 per incident (${latency.encryption.payloads.p50} payloads, ` +
        `${latency.encryption.shareOfP50}% of p50)`,
    );
    say(`      p50 per hop: ${latency.hops.map((h) => `${h.hop} ${h.ms.p50}`).join(' · ')}`);

    const matrix: LatencyCell[] = [
      {
        channels: 'unconfigured',
        concurrency: latency.concurrency,
        runbook: stack.runbook.id,
        incidents: latency.incidents,
        incidentMs: latency.incidentMs,
        baselineMs: latency.baselineMs,
        ratio: latency.ratio,
      },
    ];
    const opening = openingOf(stack.runbook);
    const cells = [
      // The engine's share of the ratio: the same first notification, nothing of the runbook after
      // it. 50 incidents, not 100: the full run stays under 10 minutes (issue 16).
      { channels: 'unconfigured', concurrency: opts.latencyConcurrency, runbook: opening, incidents: 50 },
      { channels: 'configured', concurrency: opts.latencyConcurrency, incidents: 100 },
      { channels: 'unconfigured', concurrency: opts.latencyBurst, incidents: 100 },
      { channels: 'configured', concurrency: opts.latencyBurst, incidents: 100 },
    ] as const;
    for (const { incidents, ...cell } of cells) {
      say(
        `      channels ${cell.channels}, ${cell.concurrency} in flight` +
          ('runbook' in cell ? `, runbook ${cell.runbook.id}` : ''),
      );
      const measured = await measureLatencyCell(
        stack,
        {
          incident: cell.channels === 'configured' ? queues.configured : queues.incident,
          baseline: queues.baseline,
        },
        { count: Math.min(plan.incidents, incidents), run, ...cell },
        (done) => done % step === 0 && say(`      ${done} notified`),
      );
      say(
        `      p50 ${measured.incidentMs.p50} ms (bare ${measured.baselineMs.p50}, ${measured.ratio.p50}×), ` +
          `p99 ${measured.incidentMs.p99} ms (bare ${measured.baselineMs.p99}, ${measured.ratio.p99}×)`,
      );
      matrix.push(measured);
    }
    latency.matrix = matrix;

    const traced = Math.min(plan.incidents, 20);
    say(`      OpenTelemetry: ${traced} alerts traced from the gateway to the provider`);
    latency.traces = await measureTraces(stack, { count: traced, concurrency: opts.latencyConcurrency, run });
    say(
      `      p50 per traced hop (${latency.traces.traced} traces, ${latency.traces.spans} spans): ` +
        latency.traces.hops.map((h) => `${h.hop} ${h.ms.p50}`).join(' · '),
    );

    say(
      `(2/5) storm: ${plan.stormAlerts} alerts for ${plan.stormFingerprints} fingerprints, ${opts.stormConcurrency} in flight`,
    );
    const storm = await measureStorm(
      stack,
      queues,
      {
        alerts: plan.stormAlerts,
        fingerprints: plan.stormFingerprints,
        concurrency: opts.stormConcurrency,
        run,
      },
      (side, done) => say(`      ${side}: ${done}/${plan.stormAlerts}`),
    );

    say(`(3/5) actions: ${plan.lifecycles} full lifecycles of ${opts.runbook}`);
    const actions = await measureActions(stack, queues, { count: plan.lifecycles, run });
    await baselineWorker.stop();

    say(`(4/5) worker memory with ${plan.open} open incidents (fresh worker processes)`);
    const { memory, openIncidentsWorker } = await measureMemory(
      stack,
      { open: plan.open, run },
      (side, done) => say(`      ${side}: ${done}/${plan.open} open`),
    );
    say(
      `      ${memory.incident.perWorkflowKiB} KiB of worker RSS per open incident (bare Temporal ` +
        `${memory.baseline.perWorkflowKiB}); ${memory.incident.marginalKiB} KiB from half to all open (bare ` +
        `${memory.baseline.marginalKiB}); cached when measured ${memory.incident.cachedAtMeasure} ` +
        `(bare ${memory.baseline.cachedAtMeasure})`,
    );

    say(`(5/5) status page with every incident the bench left open`);
    // The workers that ran the open incidents still cache them, as long-running workers would.
    const statusPage = await measureStatusPage(stack, queues.incident, say);
    for (const worker of [incidentWorker, configuredWorker, openIncidentsWorker]) await worker.stop();

    const result = {
      date: started.toISOString(),
      durationSeconds: Math.round((Date.now() - started.getTime()) / 1000),
      machine,
      temporal: {
        cli: TEMPORAL_CLI_VERSION,
        server: stack.serverVersion,
        persistence: 'SQLite file (dev server)',
      },
      plan: {
        ...plan,
        latencyConcurrency: opts.latencyConcurrency,
        latencyBurst: opts.latencyBurst,
        stormConcurrency: opts.stormConcurrency,
        runbook: opts.runbook,
        allocator: allocator.name,
        quick: Boolean(opts.quick),
      },
      latency,
      storm,
      actions,
      memory,
      statusPage,
    };
    mkdirSync(opts.out, { recursive: true });
    const file = join(
      opts.out,
      `bench-${started.toISOString().replace(/[:.]/g, '-')}${opts.quick ? '-quick' : ''}.json`,
    );
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${formatTable(result)}\n`);
    say(`JSON: ${file}`);
    if (!storm.exact || !storm.twoGateways.exact) {
      say('FAILED: the storm did not produce exactly one incident per fingerprint with exact counts');
      process.exitCode = 1;
    }
  } finally {
    await stack.close();
  }
}

main().catch((err: Error) => {
  // A ServiceError says what failed; its cause says why (the server's gRPC status and details).
  const cause = (err as { cause?: Error & { details?: string } }).cause;
  console.error(
    `bench: ${err.stack ?? err.message}${cause ? `\ncaused by: ${cause.details ?? cause.message}` : ''}`,
  );
  process.exit(1);
});
