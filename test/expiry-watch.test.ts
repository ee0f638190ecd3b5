import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '../temporal/encrypted';
import { TEST_KEYS } from './helpers/codec-keys';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ContinuityDeps } from '../activities/continuity-deps';
import { raiseWatchAlert } from '../client/watch-alerts';
import { tlsExpirySource, type ExpirySource } from '../expiry/expiry-sources';
import { WatchConfig } from '../expiry/watch-config';
import * as sa from '../domain/search-attributes';
import { createIncidentWorker } from '../workers/worker';
import type { ExpiryWatchReport } from '../workflows/expiry-watch';
import { createTestPki, hoursFromNow, type TestPki } from './helpers/certs';
import { testDeps } from './helpers/deps';
import { incidentStatus, shippedRunbooks } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { startTimeSkippingTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';
import { startTlsServer, type LoopbackTlsServer } from './helpers/tls-server';

const HOST = 'sync.lockout.test';

/**
 * The time-skipping test server has no Temporal Schedules (they are tested on the dev server in
 * expiry-schedule.test.ts), so these tests start the watch workflow runs the schedule would start,
 * at the simulated times they would start at. The certificates are real and really served; the
 * watch judges them at workflow time, which the server moves forward.
 */
describe('expiry watch: warning at 72 h, escalation at 24 h (time-skipping server)', function () {
  this.timeout(180_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let pki: TestPki;
  let caFile: string;
  const servers: LoopbackTlsServer[] = [];

  before(async () => {
    mail = await startMailCatcher();
    pki = createTestPki();
    caFile = join(mkdtempSync(join(tmpdir(), 'lockout-ca-')), 'root.pem');
    writeFileSync(caFile, pki.root.certPem);
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await mail?.close();
  });
  // A fresh server per test (see engine.test.ts: a later env.sleep may never return otherwise).
  beforeEach(async () => {
    env = await startTimeSkippingTemporal();
  });
  afterEach(async () => {
    await env?.teardown();
  });

  async function serve(chain: 'full' | 'leaf-only', notAfterHours: number): Promise<number> {
    const leaf = pki.leaf({ dnsNames: [HOST], notAfter: hoursFromNow(notAfterHours) });
    const server = await startTlsServer(
      leaf.keyPem,
      chain === 'full' ? [leaf.certPem, pki.intermediate.certPem] : [leaf.certPem],
    );
    servers.push(server);
    return server.port;
  }

  /** A worker running incidents and the watch over `ports`; `run()` starts one watch run. */
  async function withWatch(
    ports: number[],
    fn: (run: () => Promise<ExpiryWatchReport>, taskQueue: string) => Promise<void>,
    extraSources: ExpirySource[] = [],
  ): Promise<void> {
    const taskQueue = uniqueTaskQueue('watch');
    const config = WatchConfig.parse({
      tls: {
        caFile,
        endpoints: ports.map((port) => ({ host: '127.0.0.1', port, servername: HOST, region: 'eu' })),
      },
    });
    const runbooks = shippedRunbooks();
    const continuity: Partial<ContinuityDeps> = {
      watchConfig: () => config,
      expirySources: [tlsExpirySource(() => config), ...extraSources],
      raiseAlert: (alert, at) =>
        raiseWatchAlert({ client: env.client, taskQueue, runbooks: () => runbooks }, alert, at),
    };
    const worker = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      deps: testDeps(mail.url, { continuity }),
      workflowBundle: await workflowBundle(),
    });
    // env.client skips time while it waits for a result, and would skip past the thresholds
    // while the watch's activities run; a plain client leaves time to env.sleep alone.
    const plainClient = createClient(
      { connection: env.connection, namespace: env.namespace ?? 'default' },
      TEST_KEYS,
    );
    let runs = 0;
    const incidents = new Set<string>();
    const run = async () => {
      const report = (await plainClient.workflow.execute('expiryWatch', {
        taskQueue,
        workflowId: `${taskQueue}-watch-${++runs}`,
      })) as ExpiryWatchReport;
      for (const row of report.rows) if (row.incident) incidents.add(row.incident.incidentId);
      return report;
    };
    await worker.runUntil(async () => {
      try {
        await fn(run, taskQueue);
      } finally {
        // Open incidents keep timers the time-skipping server would wait on.
        for (const id of incidents) await env.client.workflow.getHandle(id).terminate('test done');
      }
    });
  }

  it('opens a warning incident once under 72 h, does not repeat it, escalates it under 24 h', async () => {
    const port = await serve('full', 100);
    const incidentId = `lockout-watch-tls-127.0.0.1:${port}`;
    await withWatch([port], async (run) => {
      const first = await run();
      assert.equal(first.rows.length, 1);
      assert.equal(first.rows[0]!.level, 'ok');
      assert.equal(first.rows[0]!.incident, undefined);
      assert.ok(first.rows[0]!.msLeft! > 99 * 3_600_000, `msLeft ${first.rows[0]!.msLeft}`);

      await env.sleep('29h'); // about 71 h left
      const second = await run();
      assert.equal(second.rows[0]!.level, 'warning');
      assert.deepEqual(second.rows[0]!.incident, { incidentId, action: 'opened', severity: 'sev3' });
      const description = await env.client.workflow.getHandle(incidentId).describe();
      assert.equal(description.typedSearchAttributes.get(sa.SEVERITY), 'sev3');
      assert.equal(description.typedSearchAttributes.get(sa.PATTERN), 'certificate-chain');
      assert.equal(description.typedSearchAttributes.get(sa.REGION), 'eu');

      await env.sleep('1h'); // the next hourly run: still a warning, already known
      const third = await run();
      assert.equal(third.rows[0]!.level, 'warning');
      assert.equal(third.rows[0]!.incident?.action, 'already-open');
      assert.equal((await incidentStatus(env.client, incidentId)).alertCount, 1);

      await env.sleep('47h'); // about 23 h left
      const fourth = await run();
      assert.equal(fourth.rows[0]!.level, 'critical');
      assert.deepEqual(fourth.rows[0]!.incident, { incidentId, action: 'escalated', severity: 'sev1' });
      const status = await incidentStatus(env.client, incidentId);
      assert.equal(status.alertCount, 2);
      assert.deepEqual(
        status.alerts.map((a) => a.title),
        [
          `TLS certificate of ${HOST} (127.0.0.1:${port}) expires within 72 h`,
          `TLS certificate of ${HOST} (127.0.0.1:${port}) expires within 24 h`,
        ],
      );
      assert.equal(status.facts.pattern, 'certificate-chain');
    });
  });

  it('opens a sev1 certificate-chain lockout at once when the chain stops validating', async () => {
    const broken = await serve('leaf-only', 24 * 300);
    const healthy = await serve('full', 24 * 300);
    await withWatch([broken, healthy], async (run) => {
      const report = await run();
      const byPort = (p: number) => report.rows.find((r) => r.subject === `127.0.0.1:${p}`)!;
      assert.equal(byPort(healthy).level, 'ok');
      assert.equal(byPort(broken).level, 'invalid');
      assert.match(byPort(broken).problem ?? '', /^UNABLE_TO_VERIFY_LEAF_SIGNATURE: /);
      const incidentId = `lockout-watch-tls-127.0.0.1:${broken}`;
      assert.deepEqual(byPort(broken).incident, { incidentId, action: 'opened', severity: 'sev1' });
      const status = await incidentStatus(env.client, incidentId);
      assert.equal(status.facts.severity, 'sev1');
      assert.equal(status.facts.labels.validationError, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      assert.match(status.facts.description ?? '', /intermediate/);
    });
  });

  it('takes other expiry sources (a credential) and reports a failing source without losing the rest', async () => {
    const port = await serve('full', 24 * 300);
    const now = Date.now();
    const token: ExpirySource = {
      name: 'salesforce-token',
      check: async () => [
        {
          source: 'salesforce-token',
          subject: 'prod-integration-user',
          label: 'Salesforce OAuth token of prod-integration-user',
          pattern: 'token-expiry',
          region: 'us',
          expiresAt: new Date(now + 20 * 3_600_000).toISOString(),
        },
      ],
    };
    const failing: ExpirySource = {
      name: 'vault',
      check: () => Promise.reject(new Error('vault sealed')),
    };
    await withWatch(
      [port],
      async (run) => {
        const report = await run();
        const tokenRow = report.rows.find((r) => r.source === 'salesforce-token')!;
        assert.equal(tokenRow.level, 'critical');
        assert.deepEqual(tokenRow.incident, {
          incidentId: 'lockout-watch-salesforce-token-prod-integration-user',
          action: 'opened',
          severity: 'sev1',
        });
        const status = await incidentStatus(env.client, tokenRow.incident.incidentId);
        assert.equal(status.facts.pattern, 'token-expiry');
        assert.equal(status.facts.region, 'us');
        const failed = report.rows.find((r) => r.source === 'vault')!;
        assert.equal(failed.level, 'source-failed');
        assert.match(failed.problem ?? '', /vault sealed/);
        assert.equal(report.rows.find((r) => r.source === 'tls')?.level, 'ok');
      },
      [token, failing],
    );
  });
});
