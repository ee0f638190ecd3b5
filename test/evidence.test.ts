/**
 * Evidence packs of a real incident (docs/evidence.md), on the time-skipping server with a real
 * worker, the shipped certificate-chain runbook and its real activities: email to a real SMTP
 * catcher, the ops chat's webhook answered 403 (a failed delivery), approvals through the CLI's
 * update, the status page's `via`, a signed link's signal and a Web UI signal, the GDPR clock left
 * to be missed. On close the incident archives its pack (Chromium prints the PDF); then the real
 * `lockout evidence` writes the closed incident's pack and `lockout evidence verify` checks it and
 * names each kind of tampering.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { sendAction } from '../client/actions';
import { evidenceDeps } from '../app/activity-deps';
import type { IncidentStatus } from '../domain/incident';
import { readPack } from '../evidence/files';
import { verifyPack } from '../evidence/verify';
import { alertsSignal, approveSignal, acknowledgeSignal, statusQuery } from '../workflows/messages';
import { createIncidentWorker } from '../workers/worker';
import { statusPage } from './helpers/status-page-gateway';
import { CHROMIUM } from './helpers/chromium';
import { runCli } from './helpers/cli';
import { testDeps } from './helpers/deps';
import { reviewOpen, sendAlert } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { startTimeSkippingTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';

/** A chat webhook that refuses every message: the delivery fails, permanently. */
async function refusingWebhook(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(403, { 'content-type': 'text/plain' }).end('channel archived');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server };
}

/** Checks the PDF's structure and that its pages draw text and the chart (no PDF text tool in CI). */
function assertRenderedPdf(pdf: Buffer): void {
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.match(pdf.subarray(-32).toString('latin1'), /%%EOF\s*$/);
  const text = pdf.toString('latin1');
  const pages = [...text.matchAll(/\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)/g)].map((m) => Number(m[1]));
  assert.ok(Math.max(...pages) >= 2, `a report of several pages, found ${pages.join(',')}`);
  assert.match(text, /\/FontFile2|\/FontFile3|\/Font\b/, 'fonts embedded');
  // Page content streams: text shown (BT … Tj/TJ … ET) and shapes filled (the chart's bars).
  let shown = 0;
  let filled = 0;
  for (const m of text.matchAll(/stream\r?\n/g)) {
    const start = m.index + m[0].length;
    const end = text.indexOf('endstream', start);
    try {
      const content = inflateSync(pdf.subarray(start, end)).toString('latin1');
      if (/BT[\s\S]*?(Tj|TJ)[\s\S]*?ET/.test(content)) shown++;
      if (/\bre\s+f\b|\bh\s+f\b/.test(content)) filled++;
    } catch {
      // not a deflated stream (images, fonts in other encodings)
    }
  }
  assert.ok(shown >= 2 && filled >= 1, `content streams with text: ${shown}, with filled shapes: ${filled}`);
}

describe('evidence pack of a real certificate-chain incident', function () {
  this.timeout(600_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let hook: { url: string; server: Server };
  let worker: Worker;
  let running: Promise<void>;
  let work: string;
  let storeDir: string;
  let incidentId: string;
  let closed: IncidentStatus;

  before(async () => {
    [env, mail, hook] = await Promise.all([
      startTimeSkippingTemporal(),
      startMailCatcher(),
      refusingWebhook(),
    ]);
    work = mkdtempSync(join(tmpdir(), 'lockout-evidence-'));
    storeDir = join(work, 'store');
    const taskQueue = uniqueTaskQueue('evidence');
    worker = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      deps: {
        ...testDeps(mail.url, { client: env.client, secrets: { SLACK_OPS_WEBHOOK_URL: hook.url } }),
        evidence: evidenceDeps({ dir: storeDir, chromium: CHROMIUM }, env.client),
      },
      workflowBundle: await workflowBundle(),
    });
    running = worker.run();

    ({ incidentId } = await sendAlert(env.client, taskQueue, {
      title: 'Salesforce API certificate chain invalid',
      pattern: 'certificate-chain',
      severity: 'sev1',
      region: 'eu',
      euPersonalData: true,
      fingerprint: `evidence-${process.pid}`,
      labels: { endpoint: '127.0.0.1' },
    }));
    const handle = env.client.workflow.getHandle(incidentId);
    const status = () => handle.query(statusQuery);
    /** Lets incident time pass until the approval is asked for (the steps before it run first). */
    const pending = async (step: string) => {
      for (let i = 0; i < 120; i++) {
        if ((await status()).approvals.some((a) => a.step === step && a.state === 'pending')) return;
        await env.sleep('30s');
      }
      const now = await status();
      assert.fail(
        `${step} was never asked for:\n${now.timeline.map((e) => `${e.at} ${e.kind} ${e.summary}`).join('\n')}`,
      );
    };
    const accepted = async (p: ReturnType<typeof sendAction>) => {
      const outcome = await p;
      assert.equal(outcome.outcome, 'accepted', outcome.message);
    };

    await env.sleep('3m');
    await handle.signal(acknowledgeSignal, { by: 'ana', note: 'typed into the Web UI' });
    // Two alerts that arrived together, as a gateway sends them in a storm: each is evidence.
    const again = {
      fingerprint: `evidence-${process.pid}`,
      source: 'datadog',
      status: 'firing',
      title: 'Certificate chain still invalid',
      pattern: 'certificate-chain',
      region: 'eu',
      labels: {},
      receivedAt: new Date().toISOString(),
    } as const;
    await handle.signal(alertsSignal, [again, { ...again, source: 'alertmanager' }]);
    await pending('approve-checkout-fallback');
    await accepted(
      sendAction(env.client, incidentId, 'approve', { step: 'approve-checkout-fallback', by: 'ben' }),
    );
    await pending('approve-rotation');
    await accepted(
      sendAction(env.client, incidentId, 'approve', {
        step: 'approve-rotation',
        by: 'chloe',
        via: 'status page',
      }),
    );
    await handle.signal(approveSignal, {
      step: 'approve-rotation',
      by: 'dev',
      via: 'signed link',
      link: 'nonce-1',
      id: 'link-1',
    });
    // With no rotation hook configured the chain stays invalid and the runbook ends: time to resolve.
    await env.sleep('1h');
    await accepted(
      sendAction(env.client, incidentId, 'resolve', {
        by: 'ana',
        reason: 'intermediate certificate re-issued',
      }),
    );
    // The shipped runbook keeps it open for its review: the commander records one, with an action item.
    await reviewOpen(env.client, incidentId);
    await accepted(
      sendAction(env.client, incidentId, 'addReviewItem', {
        title: 'Monitor the chain',
        owner: 'ben',
        by: 'dev',
      }),
    );
    await accepted(
      sendAction(env.client, incidentId, 'recordReview', {
        summary: 'the chain was not monitored',
        by: 'dev',
      }),
    );
    // Nobody records the GDPR notification: the 72 h clock is missed, then the incident closes.
    closed = (await handle.result()) as IncidentStatus;
  });

  after(async () => {
    worker?.shutdown();
    await running?.catch(() => undefined);
    await env?.teardown();
    await mail?.close();
    hook?.server.close();
    if (work) {
      for (const dir of existsSync(storeDir) ? readdirSync(storeDir, { withFileTypes: true }) : [])
        if (dir.isDirectory()) chmodSync(join(storeDir, dir.name), 0o755);
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('archives its pack on close, and the pack verifies against the seal its timeline records', () => {
    const archived = closed.timeline.find((e) => e.summary.startsWith('evidence pack archived to'));
    assert.ok(
      archived,
      closed.timeline
        .slice(-5)
        .map((e) => e.summary)
        .join('\n'),
    );
    const seal = /seal ([0-9a-f]{64})/.exec(archived.summary)![1]!;
    const files = readPack(join(storeDir, incidentId));
    const verdict = verifyPack(files, { expectSeal: seal });
    assert.ok(verdict.ok, JSON.stringify(verdict));

    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    assert.deepEqual(manifest.notes, [], 'the PDF was printed');
    assert.equal(manifest.runbook.id, 'certificate-chain');
    assert.match(manifest.runbook.sha256, /^[0-9a-f]{64}$/);
    assert.equal(manifest.execution, 'running', 'archived by the incident itself, before it returned');
    assertRenderedPdf(files.get('report.pdf')!);

    const decisions = JSON.parse(files.get('decisions.json')!.toString()).decisions as {
      action: string;
      by: string;
      channel: string;
      step?: string;
      outcome: string;
    }[];
    const seen = decisions.map((d) =>
      `${d.action} ${d.step ?? ''} ${d.by} via ${d.channel}`.replace('  ', ' '),
    );
    for (const expected of [
      'acknowledge ana via Temporal Web UI',
      'approve approve-checkout-fallback ben via CLI',
      'approve approve-rotation chloe via status page',
      'approve approve-rotation dev via signed link',
      'resolve ana via CLI',
    ])
      assert.ok(seen.includes(expected), `${expected} in\n${seen.join('\n')}`);

    const ops = JSON.parse(files.get('clocks.json')!.toString()).clocks.find(
      (c: { id: string }) => c.id === 'ops-alert',
    );
    assert.equal(ops.state, 'missed', 'the ops chat was not reached, so the 15-minute clock was missed');
    const gdpr = JSON.parse(files.get('clocks.json')!.toString()).clocks.find(
      (c: { id: string }) => c.id === 'gdpr-art33',
    );
    assert.equal(gdpr.state, 'missed');
    assert.ok(gdpr.lateByMs >= 0 && gdpr.deadline, JSON.stringify(gdpr));

    const deliveries = JSON.parse(files.get('deliveries.json')!.toString());
    const failed = deliveries.failures.find((d: { channel: string }) => d.channel === 'webhook');
    assert.ok(failed, JSON.stringify(deliveries.failures));
    assert.match(failed.detail, /HTTP 403 channel archived/);
    const email = deliveries.deliveries.find(
      (d: { channel: string; outcome: string }) => d.channel === 'email' && d.outcome === 'delivered',
    );
    assert.ok(email?.messageId, 'the SMTP Message-ID of a delivered email');
    assert.ok(
      mail.messages.some((m) => m.messageId === email.messageId),
      'the Message-ID the SMTP server received',
    );

    const alerts = JSON.parse(files.get('alerts.json')!.toString());
    assert.equal(alerts.received[0].alert.title, 'Salesforce API certificate chain invalid');
    assert.deepEqual(
      alerts.received.slice(1).map((r: { alert: { source: string; title: string } }) => r.alert.source),
      ['datadog', 'alertmanager'],
      'both alerts of the `alerts` signal',
    );
    const breach = JSON.parse(files.get('gdpr-art33-record.json')!.toString());
    assert.equal(breach.notificationClocks[0].state, 'missed');
    const controls = JSON.parse(files.get('controls.json')!.toString()).controls.map(
      (c: { id: string }) => c.id,
    );
    assert.ok(controls.includes('A.8.24') && controls.includes('Art. 33(5)'));
  });

  it('keeps the archived pack as it is when the archive runs again', async () => {
    const before = readFileSync(join(storeDir, incidentId, 'manifest.json'));
    const again = await evidenceDeps({ dir: storeDir, chromium: CHROMIUM }, env.client).archive(incidentId);
    assert.equal(again.outcome, 'already-archived');
    assert.deepEqual(readFileSync(join(storeDir, incidentId, 'manifest.json')), before);
  });

  it('links each archived pack from the status page, behind its sign-in, serving only listed files', async () => {
    const gateway = await statusPage(env, storeDir);
    try {
      const as = { 'x-forwarded-user': 'chloe' };
      const status = await (await fetch(`${gateway.base}/status`, { headers: as })).text();
      assert.match(status, /href="\/status\/evidence"/);
      assert.equal((await fetch(`${gateway.base}/status/evidence`)).status, 401, 'not signed in');
      const list = await (await fetch(`${gateway.base}/status/evidence`, { headers: as })).text();
      const base = `/status/evidence/${incidentId}`;
      assert.ok(list.includes(`href="${base}/report.html"`), list);
      assert.ok(list.includes(`href="${base}/report.pdf"`));
      const report = await fetch(`${gateway.base}${base}/report.html`, { headers: as });
      assert.equal(report.status, 200);
      assert.match(report.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.match(await report.text(), /Incident evidence report/);
      const pdf = await fetch(`${gateway.base}${base}/report.pdf`, { headers: as });
      assert.equal(pdf.headers.get('content-type'), 'application/pdf');
      assert.deepEqual(
        Buffer.from(await pdf.arrayBuffer()),
        readFileSync(join(storeDir, incidentId, 'report.pdf')),
      );
      for (const path of [
        `${base}/..%2F..%2Fetc%2Fpasswd`,
        `${base}/notes.txt`,
        '/status/evidence/lockout-none/report.html',
      ])
        assert.equal((await fetch(`${gateway.base}${path}`, { headers: as })).status, 404, path);
    } finally {
      await gateway.close();
    }
  });

  it('writes the closed incident’s pack with `lockout evidence`, and `verify` names each tampering', async () => {
    const cli = (...args: string[]) =>
      runCli(args, { TEMPORAL_ADDRESS: env.address, LOCKOUT_CHROMIUM: CHROMIUM });
    const out = join(work, 'cli-pack');
    const made = await cli('evidence', incidentId, '--out', out, '--zip', '--json');
    assert.equal(made.code, 0, made.stderr);
    const manifest = JSON.parse(made.stdout).manifest;
    assert.equal(manifest.execution, 'completed');
    assert.ok(manifest.files.some((f: { name: string }) => f.name === 'report.pdf'));
    // The shipped config/crisis-budget.yaml: the ledger goes in as budget.json.
    assert.ok(
      manifest.files.some((f: { name: string }) => f.name === 'budget.json'),
      made.stderr,
    );

    const intact = await cli('evidence', 'verify', out);
    assert.equal(intact.code, 0, intact.stdout + intact.stderr);
    assert.match(intact.stdout, new RegExp(`^intact: ${incidentId}`));
    assert.equal((await cli('evidence', 'verify', `${out}.zip`)).code, 0);
    const refused = await cli('evidence', incidentId, '--out', out);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is not empty/);

    const tamper = (name: string, change: (text: string) => string) => {
      const file = join(out, name);
      chmodSync(file, 0o644);
      writeFileSync(file, change(readFileSync(file, 'latin1')), 'latin1');
    };
    tamper('decisions.json', (t) => t.replace('"dev"', '"eve"'));
    tamper('timeline.jsonl', (t) =>
      t
        .split('\n')
        .filter((_, i) => i !== 4)
        .join('\n'),
    );
    const otherPack = join(storeDir, incidentId, 'report.pdf');
    tamper('report.pdf', () => readFileSync(otherPack, 'latin1'));
    const changed = await cli('evidence', 'verify', out, '--json');
    assert.equal(changed.code, 1, changed.stdout);
    const found = (
      JSON.parse(changed.stdout).findings as { file: string; kind: string; where?: string }[]
    ).map((f) => `${f.file} ${f.kind} ${f.where ?? ''}`.trim());
    assert.ok(
      found.some((f) => /^decisions\.json edited bytes \d+–\d+ \(from line \d+\)$/.test(f)),
      found.join('\n'),
    );
    assert.ok(found.includes('timeline.jsonl removed before line 5'), found.join('\n'));
    assert.ok(
      found.some((f) => f.startsWith('report.pdf edited')),
      found.join('\n'),
    );

    const notAPack = await cli('evidence', 'verify', work);
    assert.equal(notAPack.code, 2, notAPack.stdout);
    assert.equal((await cli('evidence', 'verify', join(work, 'nowhere'))).code, 2);
  });
});
