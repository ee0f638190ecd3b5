/**
 * `npm start`: the embedded stack on one machine. A Temporal dev server persisted under .data/
 * (unless TEMPORAL_ADDRESS points at a server of your own), the worker, the HTTP gateway and,
 * when no SMTP server is configured, a local SMTP sink that keeps every message in .data/outbox/email/.
 * Ctrl-C stops everything; the next `npm start` finds the incidents where they were.
 */
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command } from 'commander';
import { loadConfig, type Config } from '../config/env';
import { createLogger } from '../lib/logger';
import { describeAllocator, keepAllocatorToThisProcess, processAllocator } from '../lib/allocator';
import { startTracing } from '../lib/tracing';
import { buildGateway } from '../gateway/server';
import { gatewayOptionsFromConfig } from '../app/gateway';
import { connectClient } from '../client/connection';
import { connectWorker } from '../app/worker-connection';
import { StartOutcomes } from '../client/start-outcomes';
import { startDevServer, type DevServer } from '../temporal/dev-server';
import { ensureTemporalBinaries } from '../temporal/install';
import { activityDeps } from '../app/activity-deps';
import { setUpEmail, smsDescription } from '../app/email';
import { ensureExpiryWatchSchedule } from '../client/expiry-watch-schedule';
import { ensureConfiguredPeriods, loadPeriodsFile } from '../client/periods';
import { ensureBudgetWatchSchedule } from '../client/budget-watch-schedule';
import { loadCrisisBudget } from '../client/crisis-budget';
import { loadWatchConfig } from '../expiry/watch-config';
import { createConfiguredWorkers } from '../app/workers';
import { installRuntime } from '../app/runtime';
import { storeFromConfig } from '../app/store';
import { sharedState } from '../app/shared-state';
import { ensureFirstRunTokens, firstRunHints } from '../app/first-run-tokens';
import { ensureDevKeyRing } from '../app/first-run-codec-keys';
import { devKeyRingPath, loadCodecKeys } from '../temporal/codec-keys';

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

async function startTemporal(config: Config): Promise<DevServer | undefined> {
  if (process.env.TEMPORAL_ADDRESS) {
    say(`Using the Temporal server at ${config.temporal.address} (TEMPORAL_ADDRESS is set).`);
    return undefined;
  }
  const { cli } = await ensureTemporalBinaries({ cliOnly: true, log: (m) => say(m) });
  const [host, port] = config.temporal.address.split(':');
  say('Starting the Temporal dev server…');
  return startDevServer({
    cli,
    ip: host === 'localhost' ? '127.0.0.1' : host,
    port: Number(port),
    uiPort: Number(new URL(config.temporal.uiUrl).port || 8233),
    // The Web UI decodes payloads through the gateway's codec server (docs/privacy.md).
    uiCodecEndpoint: `${config.gateway.publicUrl}/codec`,
    dbFile: join(config.dataDir, 'temporal.sqlite'),
    logFile: join(config.dataDir, 'temporal.log'),
  });
}

async function main(): Promise<void> {
  new Command('npm start')
    .description(
      'Start the embedded stack: Temporal dev server (SQLite under .data/), Web UI, worker, HTTP gateway\n' +
        'and, without SMTP_URL, a local SMTP sink writing to .data/outbox/email/. Configured by environment (docs/configuration.md).',
    )
    .parse();
  const allocator = processAllocator();
  keepAllocatorToThisProcess();
  const config = loadConfig();
  mkdirSync(config.dataDir, { recursive: true });
  const logger = createLogger(config.logLevel, 'lockout');
  const tracing = startTracing('lockout');
  if (tracing) logger.info({ traces: tracing.endpoint }, 'OpenTelemetry traces');
  // Keys first: production without keys stops here, before anything starts.
  const madeKeyRing = ensureDevKeyRing(config);
  const keys = await loadCodecKeys(config);
  const server = await startTemporal(config);
  const stops: Array<() => Promise<unknown>> = [];
  if (tracing) stops.push(() => tracing.shutdown());
  const stopAll = async () => {
    for (const stop of stops.reverse())
      await stop().catch((err: Error) => logger.warn({ err: err.message }, 'stop failed'));
  };
  if (server) stops.push(() => server.stop());

  try {
    const email = await setUpEmail(config);
    stops.push(() => email.close());

    installRuntime(
      logger,
      config.logLevel === 'info' ? 'warn' : config.logLevel,
      config.workerMetricsAddress,
    );
    const workerConnection = await connectWorker(config, keys);
    stops.push(() => workerConnection.close());
    const gatewayLogger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 'gateway');
    const store = await storeFromConfig(config, gatewayLogger);
    stops.push(() => store.close());
    // One process: files serve, unless a PostgreSQL server is configured (then it is shared).
    const shared = config.store.kind === 'postgresql' ? sharedState(store, config) : undefined;
    const { deps, close: closeDeps } = activityDeps(config, email, logger, keys, shared);
    stops.push(closeDeps);
    const { workers, descriptions, warnings } = await createConfiguredWorkers(config, workerConnection, deps);
    for (const line of warnings) logger.warn({}, line);

    const starts = new StartOutcomes();
    const client = await connectClient(config, { interceptors: [starts.interceptor], keys });
    stops.push(() => client.connection.close());
    const tokens = ensureFirstRunTokens({
      sourcesFile: config.gateway.sourcesFile,
      dataDir: config.dataDir,
      production: config.production,
    });
    const gatewayOptions = gatewayOptionsFromConfig(config, client, gatewayLogger, store, starts, keys);
    const gateway = buildGateway(gatewayOptions);
    await gateway.listen({ host: config.gateway.host, port: config.gateway.port });
    stops.push(() => gateway.close());

    const watch = loadWatchConfig(config.continuity.watchFile);
    await ensureExpiryWatchSchedule(client, { taskQueue: config.temporal.taskQueue, every: watch.every });
    const periods = loadPeriodsFile(config.readiness.periodsFile);
    await ensureConfiguredPeriods(client, config.temporal.taskQueue, periods);
    const budget = loadCrisisBudget(config.readiness.crisisBudgetFile);
    await ensureBudgetWatchSchedule(client, {
      taskQueue: config.temporal.taskQueue,
      every: budget.watchEvery,
    });

    const data = relative(process.cwd(), config.dataDir) || '.';
    say();
    say('lockout-runbook is running');
    say(
      `  Temporal server   ${config.temporal.address}${server ? `  (state: ${data}/temporal.sqlite, log: ${data}/temporal.log)` : ''}`,
    );
    say(`  Temporal Web UI   ${server ? server.uiUrl : config.temporal.uiUrl}`);
    say(
      `  Payloads          encrypted (AES-256-GCM), keys ${keys.describe()}${madeKeyRing ? ` (made now: ${relative(process.cwd(), devKeyRingPath(config))}, mode 0600)` : ''}`,
    );
    say(
      `  Codec server      POST ${config.gateway.publicUrl}/codec/{encode,decode} (the Web UI decodes through it: sign in to the status page first)`,
    );
    for (const [i, line] of descriptions.entries()) say(`  ${(i ? '' : 'Workers').padEnd(18)}${line}`);
    say(`  Memory allocator  ${describeAllocator(allocator)}`);
    say(`  Expiry watch      every ${watch.every} (Temporal Schedule; now: npx lockout watch --once)`);
    say(`  High-risk periods ${periods.periods.length} configured (npx lockout period list)`);
    say(
      `  Crisis budget     ${budget.multiplier} × ${budget.normalCost} ${budget.currency} per incident, watched every ${budget.watchEvery}`,
    );
    say(
      `  Alert endpoints   POST ${config.gateway.publicUrl}/alerts/{alertmanager,pagerduty,datadog,generic}`,
    );
    for (const line of gatewayOptions.sourceSummary) say(`                    ${line}`);
    say(`  Journey modes     GET ${config.gateway.publicUrl}/journeys`);
    say(
      `  Status page       ${config.gateway.publicUrl}/status (${config.statusPage.auth.mode === 'tokens' ? 'sign in with a token: npx lockout responder-token <person>' : 'through your SSO proxy'})`,
    );
    say(
      `  One-click links   ${config.links ? `on (${config.gateway.publicUrl}/approve|ack|receipt/…)` : 'off: set LOCKOUT_LINK_SECRET to put approve/acknowledge links in messages'}`,
    );
    say(
      `  Metrics           ${config.gateway.publicUrl}/metrics (gateway${config.gateway.metricsToken ? ', bearer token' : ''})` +
        (config.workerMetricsAddress ? `, http://${config.workerMetricsAddress}/metrics (worker)` : ''),
    );
    say(`  Email             ${email.description}`);
    say(`  SMS and voice     ${smsDescription(config)}`);
    say(
      `  CRM sync buffer   POST ${config.gateway.publicUrl}/crm/writes → task queue "${config.crmSync.taskQueue}"` +
        ` (≤ ${config.crmSync.maxPerSecond} upserts/s${config.salesforce ? '' : '; Salesforce not configured: writes are held'}` +
        `${config.crmSync.writesToken ? '' : '; disabled until LOCKOUT_CRM_WRITES_TOKEN is set'})`,
    );
    say();
    say(
      'Try:  npx lockout trigger --title "Salesforce API certificate chain invalid" --pattern certificate-chain --severity sev1',
    );
    say('      npx lockout list');
    if (tokens) {
      say();
      for (const line of firstRunHints(tokens, config.gateway.publicUrl)) say(line);
    }
    say('Ctrl-C stops everything.');
    say();

    // Workers stop themselves on SIGINT/SIGTERM (after in-flight tasks finish); then the rest.
    await Promise.all(workers.map((w) => w.run()));
    say('Stopping…');
  } finally {
    await stopAll();
  }
  say('Stopped. Incidents are kept in the dev server state; `npm start` resumes them.');
}

main().catch((err: Error) => {
  console.error(`npm start: ${err.message}`);
  process.exit(1);
});
