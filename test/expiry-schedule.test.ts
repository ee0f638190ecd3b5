import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { tlsExpirySource } from '../expiry/expiry-sources';
import { loadWatchConfig } from '../expiry/watch-config';
import { ensureExpiryWatchSchedule } from '../client/expiry-watch-schedule';
import { raiseWatchAlert } from '../client/watch-alerts';
import * as sa from '../domain/search-attributes';
import { createIncidentWorker } from '../workers/worker';
import type { ExpiryWatchReport } from '../workflows/expiry-watch';
import { createTestPki, hoursFromNow, type TestPki } from './helpers/certs';
import { runCli } from './helpers/cli';
import { testDeps } from './helpers/deps';
import { shippedRunbooks } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { startLocalTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';
import { startTlsServer, type LoopbackTlsServer } from './helpers/tls-server';

const HOST = 'login.lockout.test';

describe('expiry watch on a Temporal Schedule, and `lockout watch --once` (dev server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let pki: TestPki;
  let worker: Worker;
  let running: Promise<void>;
  let dir: string;
  let watchFile: string;
  const servers: LoopbackTlsServer[] = [];
  const ports: Record<'broken' | 'expiring' | 'healthy', number> = { broken: 0, expiring: 0, healthy: 0 };
  const taskQueue = uniqueTaskQueue('schedule');

  async function serve(chain: 'full' | 'leaf-only', notAfterHours: number): Promise<number> {
    const leaf = pki.leaf({ dnsNames: [HOST], notAfter: hoursFromNow(notAfterHours) });
    const server = await startTlsServer(
      leaf.keyPem,
      chain === 'full' ? [leaf.certPem, pki.intermediate.certPem] : [leaf.certPem],
    );
    servers.push(server);
    return server.port;
  }

  function writeWatchFile(file: string, endpoints: Record<string, number>, every = '1h'): void {
    const lines = Object.values(endpoints).map(
      (port) => `    - { host: 127.0.0.1, port: ${port}, servername: ${HOST} }`,
    );
    writeFileSync(
      file,
      [`every: ${every}`, 'tls:', `  caFile: ${join(dir, 'root.pem')}`, '  endpoints:', ...lines, ''].join(
        '\n',
      ),
    );
  }

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
    pki = createTestPki();
    dir = mkdtempSync(join(tmpdir(), 'lockout-watch-'));
    writeFileSync(join(dir, 'root.pem'), pki.root.certPem);
    ports.broken = await serve('leaf-only', 24 * 200);
    ports.expiring = await serve('full', 48);
    ports.healthy = await serve('full', 24 * 200);
    watchFile = join(dir, 'watch.yaml');
    writeWatchFile(watchFile, { broken: ports.broken });
    const runbooks = shippedRunbooks();
    const watch = () => loadWatchConfig(watchFile);
    worker = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      deps: testDeps(mail.url, {
        continuity: {
          watchConfig: watch,
          expirySources: [tlsExpirySource(watch)],
          raiseAlert: (alert, at) =>
            raiseWatchAlert({ client: env.client, taskQueue, runbooks: () => runbooks }, alert, at),
        },
      }),
      workflowBundle: await workflowBundle(),
    });
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
    await Promise.all(servers.map((s) => s.close()));
    await env?.teardown();
    await mail?.close();
  });

  it('creates the schedule once, updates it on the next call, and its run opens the lockout', async () => {
    const scheduleId = `${taskQueue}-expiry-watch`;
    assert.equal(
      await ensureExpiryWatchSchedule(env.client, { taskQueue, every: '1h', scheduleId }),
      'created',
    );
    assert.equal(
      await ensureExpiryWatchSchedule(env.client, { taskQueue, every: '2h', scheduleId }),
      'updated',
    );
    const handle = env.client.schedule.getHandle(scheduleId);
    const description = await handle.describe();
    assert.deepEqual(
      description.spec.intervals?.map((i) => i.every),
      [2 * 3_600_000],
    );
    assert.equal(description.action.type, 'startWorkflow');
    assert.equal(description.action.workflowType, 'expiryWatch');
    assert.equal(description.action.taskQueue, taskQueue);

    await handle.trigger();
    // Wait for the run the schedule started (real time; bounded) and read its report.
    let report: ExpiryWatchReport | undefined;
    for (let i = 0; i < 100 && !report; i++) {
      const runs = (await handle.describe()).info.recentActions;
      const run = runs[0]?.action.workflow;
      if (run)
        report = (await env.client.workflow
          .getHandle(run.workflowId, run.firstExecutionRunId)
          .result()) as ExpiryWatchReport;
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(report, 'the schedule started no run');
    const incidentId = `lockout-watch-tls-127.0.0.1:${ports.broken}`;
    assert.deepEqual(
      report.rows.map((r) => [r.level, r.incident?.incidentId, r.incident?.severity]),
      [['invalid', incidentId, 'sev1']],
    );
    const incident = await env.client.workflow.getHandle(incidentId).describe();
    assert.equal(incident.status.name, 'RUNNING');
    assert.equal(incident.typedSearchAttributes.get(sa.PATTERN), 'certificate-chain');
    await handle.delete();
  });

  it('`lockout watch --once` runs the same checks, prints a table and opens incidents the same way', async () => {
    const file = join(dir, 'cli-watch.yaml');
    writeWatchFile(file, { expiring: ports.expiring, healthy: ports.healthy });
    const cliEnv = { TEMPORAL_ADDRESS: env.address, LOCKOUT_TASK_QUEUE: taskQueue, LOCKOUT_WATCH_FILE: file };

    const dry = await runCli(['watch', '--once', '--dry-run', '--json'], cliEnv);
    assert.equal(dry.code, 0, dry.stderr);
    const dryReport = JSON.parse(dry.stdout) as ExpiryWatchReport;
    assert.deepEqual(
      dryReport.rows.map((r) => [r.subject, r.level, r.incident]),
      [
        [`127.0.0.1:${ports.expiring}`, 'warning', undefined],
        [`127.0.0.1:${ports.healthy}`, 'ok', undefined],
      ],
    );

    const first = await runCli(['watch', '--once'], cliEnv);
    assert.equal(first.code, 0, first.stderr);
    const incidentId = `lockout-watch-tls-127.0.0.1:${ports.expiring}`;
    assert.match(first.stdout, /^WHAT\s+STATUS\s+EXPIRES\s+LEFT\s+INCIDENT\s+NOTE/);
    assert.match(first.stdout, new RegExp(`warning .* 1d 23h .*${incidentId} \\(opened, sev3\\)`));
    assert.match(first.stdout, new RegExp(`127\\.0\\.0\\.1:${ports.healthy}\\)\\s+ok`));
    const incident = await env.client.workflow.getHandle(incidentId).describe();
    assert.equal(incident.typedSearchAttributes.get(sa.SEVERITY), 'sev3');

    const again = await runCli(['watch', '--once', '--json'], cliEnv);
    assert.equal(again.code, 0, again.stderr);
    const report = JSON.parse(again.stdout) as ExpiryWatchReport;
    assert.equal(report.rows[0]?.incident?.action, 'already-open');
  });

  it('refuses a broken watch configuration with the file, line and field, and changes nothing', async () => {
    const file = join(dir, 'bad-watch.yaml');
    writeFileSync(
      file,
      'every: 1h\nwarnBefore: 12h\ntls:\n  endpoints:\n    - host: "https://x.example.com/"\n',
    );
    const result = await runCli(['watch', '--once'], {
      TEMPORAL_ADDRESS: env.address,
      LOCKOUT_TASK_QUEUE: taskQueue,
      LOCKOUT_WATCH_FILE: file,
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /bad-watch\.yaml:5 {2}tls\.endpoints\.0\.host: must be a host name/);
    assert.match(result.stderr, /escalateBefore: must be shorter than warnBefore \(12h\)/);
    assert.equal(result.stdout, '');
  });

  it('exits 1 when an endpoint could not be checked, still printing what it saw', async () => {
    const closed = await serve('full', 24 * 200);
    await servers.pop()!.close(); // nothing listens there any more
    const file = join(dir, 'unreachable-watch.yaml');
    writeWatchFile(file, { closed, healthy: ports.healthy });
    const result = await runCli(['watch', '--once', '--dry-run'], { LOCKOUT_WATCH_FILE: file });
    assert.equal(result.code, 1);
    assert.match(result.stdout, new RegExp(`127\\.0\\.0\\.1:${closed}\\)\\s+unchecked .*ECONNREFUSED`));
    assert.match(result.stdout, new RegExp(`127\\.0\\.0\\.1:${ports.healthy}\\)\\s+ok`));
    assert.match(result.stderr, /1 check\(s\) could not be completed; see NOTE/);
  });
});
