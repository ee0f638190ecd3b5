/**
 * ISO 27001 control verification: the judgement (pure), then from real expiry watch runs on the
 * dev server against real TLS servers: the status page rows and the Prometheus gauges.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { controlVerificationSource, observationsOfReport } from '../client/control-verification';
import { controlVerification, type CheckObservation } from '../domain/control-verification';
import { CONTINUOUS_CHECKS } from '../domain/iso27001';
import type { ExpiryWatchReport } from '../domain/expiry-watch';
import { tlsExpirySource } from '../expiry/expiry-sources';
import { WatchConfig } from '../expiry/watch-config';
import { GatewayMetrics } from '../gateway/metrics';
import { runHealthChecks } from '../status-page/health';
import { controlHealthChecks } from '../status-page/controls';
import { createTestPki, hoursFromNow } from './helpers/certs';
import { testContinuityDeps, testDeps } from './helpers/deps';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { startLocalTemporal } from './helpers/temporal';
import { startTlsServer, type LoopbackTlsServer } from './helpers/tls-server';
import { withWorker } from './helpers/worker';

const obs = (check: CheckObservation['check'], at: string, ok: boolean): CheckObservation => ({
  check,
  at,
  ok,
  detail: ok ? 'fine' : 'broken',
});

describe('control verification: each continuous check tied to its ISO 27001 controls', function () {
  this.timeout(180_000);

  it('judges the last run, since when its result holds, and the open incidents against each control', () => {
    const rows = controlVerification(
      [
        obs('tls-chains', '2026-12-01T10:00:00Z', true),
        obs('tls-chains', '2026-12-01T12:00:00Z', false),
        obs('tls-chains', '2026-12-01T11:00:00Z', false), // out of order: sorted by time
        obs('credential-expiry', '2026-12-01T12:00:00Z', true),
      ],
      [
        { id: 'lockout-a', pattern: 'certificate-chain' },
        { id: 'lockout-b', pattern: 'token-expiry' },
        { id: 'lockout-c', pattern: null },
      ],
    );
    const byId = Object.fromEntries(rows.map((r) => [r.control, r]));
    assert.deepEqual(
      rows.map((r) => r.control),
      [
        'A.8.24',
        'A.5.17',
        'A.8.5',
        'A.5.15',
        'A.5.18',
        'A.8.15',
        'A.8.16',
        'A.5.19',
        'A.5.20',
        'A.5.21',
        'A.5.22',
      ],
    );
    assert.deepEqual(
      [
        byId['A.8.24']!.result,
        byId['A.8.24']!.since,
        byId['A.8.24']!.lastSuccessAt,
        byId['A.8.24']!.openIncidents,
      ],
      ['failing', '2026-12-01T11:00:00Z', '2026-12-01T10:00:00Z', ['lockout-a']],
    );
    assert.deepEqual(
      [byId['A.8.5']!.result, byId['A.8.5']!.since, byId['A.8.5']!.openIncidents],
      ['verified', '2026-12-01T12:00:00Z', ['lockout-b']],
    );
    assert.equal(byId['A.5.15']!.result, 'unverified');
    assert.equal(byId['A.5.15']!.lastVerifiedAt, undefined);
  });

  it('reads the permission baseline and the audit trail from the watch rows of their Salesforce sources', () => {
    const report: ExpiryWatchReport = {
      at: '2026-12-01T12:00:00Z',
      rows: [
        {
          source: 'salesforce-permissions',
          subject: 'integration-user',
          label: 'permissions',
          level: 'invalid',
          problem: 'PERMISSION_DRIFT: missing Order_Sync',
        },
        { source: 'salesforce-audit-trail', subject: 'setup-audit-trail', label: 'audit trail', level: 'ok' },
      ],
    };
    const byCheck = Object.fromEntries(observationsOfReport(report).map((o) => [o.check, o]));
    assert.deepEqual(
      [byCheck['permission-baseline']?.ok, byCheck['audit-trail-freshness']?.ok],
      [false, true],
    );
    assert.match(byCheck['permission-baseline']!.detail, /missing Order_Sync/);
    const byId = Object.fromEntries(
      controlVerification(observationsOfReport(report), []).map((c) => [c.control, c]),
    );
    assert.deepEqual(
      ['A.5.15', 'A.5.18', 'A.8.15', 'A.8.16'].map((id) => byId[id]!.result),
      ['failing', 'failing', 'verified', 'verified'],
    );
  });

  describe('from expiry watch runs on the dev server', () => {
    let env: TestWorkflowEnvironment;
    let mail: MailCatcher;
    const servers: LoopbackTlsServer[] = [];

    before(async () => {
      [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
    });
    after(async () => {
      await Promise.all(servers.map((s) => s.close()));
      await mail?.close();
      await env?.teardown();
    });

    it('shows a TLS chain that broke as A.8.24 failing since the broken run, on the page and in /metrics', async () => {
      const pki = createTestPki();
      const caFile = join(mkdtempSync(join(tmpdir(), 'lockout-ca-')), 'root.pem');
      writeFileSync(caFile, pki.root.certPem);
      const leaf = pki.leaf({ dnsNames: ['sync.lockout.test'], notAfter: hoursFromNow(24 * 100) });
      const full = await startTlsServer(leaf.keyPem, [leaf.certPem, pki.intermediate.certPem]);
      const leafOnly = await startTlsServer(leaf.keyPem, [leaf.certPem]);
      servers.push(full, leafOnly);
      let port = full.port;
      const config = () =>
        WatchConfig.parse({
          tls: { caFile, endpoints: [{ host: '127.0.0.1', port, servername: 'sync.lockout.test' }] },
        });
      const deps = testDeps(mail.url, {
        continuity: testContinuityDeps({ watchConfig: config, expirySources: [tlsExpirySource(config)] }),
      });
      const packDir = mkdtempSync(join(tmpdir(), 'lockout-pack-'));
      writeFileSync(join(packDir, 'iso27001-certificate.pdf'), 'pdf');

      await withWorker(env, deps, async (taskQueue) => {
        const run = async (n: number) => {
          const handle = await env.client.workflow.start('expiryWatch', {
            taskQueue,
            workflowId: `${taskQueue}-watch-${n}`,
          });
          try {
            return (await handle.result()) as ExpiryWatchReport;
          } catch (err) {
            // The broken chain cannot open its incident (this worker has no client): the run fails with its report.
            return ((err as { cause?: { details?: unknown[] } }).cause?.details?.[0] ??
              {}) as ExpiryWatchReport;
          }
        };
        const good = await run(1);
        port = leafOnly.port;
        const broken = await run(2);
        assert.equal(broken.rows[0]?.level, 'invalid');

        const source = controlVerificationSource(env.client, { packDir, ttlMs: 0 });
        // Visibility trails the runs by about a second: read until both runs are listed.
        let a824;
        for (let i = 0; i < 50; i++) {
          a824 = (await source()).find((c) => c.control === 'A.8.24')!;
          if (a824.lastSuccessAt && a824.result === 'failing') break;
          await new Promise((r) => setTimeout(r, 200));
        }
        assert.deepEqual(
          [a824!.result, a824!.since, a824!.lastSuccessAt, a824!.lastVerifiedAt],
          ['failing', broken.at, good.at, broken.at],
        );
        assert.match(a824!.detail, /invalid/);

        const controls = await source();
        const byId = Object.fromEntries(controls.map((c) => [c.control, c]));
        assert.equal(byId['A.5.17']!.result, 'unverified', 'no credential source on this worker');
        assert.equal(byId['A.5.19']!.result, 'verified', 'the pack document is fresh');
        assert.match(byId['A.5.19']!.detail, /1 document\(s\), newest 0 day\(s\) old/);

        const titles = Object.fromEntries(
          Object.values(CONTINUOUS_CHECKS).flatMap((c) => c.controls.map((x) => [x.id, x.title])),
        );
        const rows = await runHealthChecks(controlHealthChecks(source, ['A.8.24', 'A.5.15'], titles));
        assert.equal(rows[0]!.name, 'ISO 27001 A.8.24 Use of cryptography');
        assert.equal(rows[0]!.ok, false);
        assert.match(
          rows[0]!.detail,
          /^failing at .* UTC \(.*invalid.*\), failing since .* UTC, last verified .* UTC; no open incident against it$/,
        );
        assert.deepEqual([rows[1]!.ok, rows[1]!.note], [true, 'not-configured']);
        assert.match(rows[1]!.detail, /^unverified: no run of permission-baseline yet/);

        const metrics = new GatewayMetrics();
        metrics.observeControls(source);
        const text = await metrics.registry.metrics();
        assert.match(text, /^lockout_control_verified\{control="A\.8\.24"\} 0$/m);
        assert.match(text, /^lockout_control_verified\{control="A\.5\.19"\} 1$/m);
        assert.match(text, /^lockout_control_verified\{control="A\.5\.15"\} -1$/m);
        const seconds = Date.parse(good.at) / 1000;
        assert.match(
          text,
          new RegExp(
            `^lockout_control_last_success_timestamp_seconds\\{control="A\\.8\\.24"\\} ${seconds}$`,
            'm',
          ),
        );
        assert.doesNotMatch(text, /lockout_control_last_success_timestamp_seconds\{control="A\.5\.15"\}/);
      });
    });
  });
});
