/**
 * `npm run chaos`: many workers and gateways on one Temporal dev server, while things break.
 * Three worker processes and two gateways (behind a small round-robin) share one PostgreSQL
 * store; an alert storm and responder actions run while a random worker is SIGKILLed every few
 * seconds and restarted, a gateway is restarted, and the SMTP server refuses every connection
 * for a while. Then it checks, and prints: exactly K incidents with exact alert counts; every
 * email accepted by SMTP exactly once per recipient and step; no workflow task failures; no
 * incident stuck; every approval applied once. Exit code 1 when a check fails.
 *
 * `--short` is the suite's run (test/chaos.test.ts). PostgreSQL: LOCKOUT_DATABASE_URL, else a
 * throwaway cluster from Debian's `postgresql` binaries (test/helpers/postgres.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { createClient } from '../temporal/encrypted';
import { FIXTURE_KEYS_FILE, TEST_KEYS } from '../test/helpers/codec-keys';
import { temporal } from '@temporalio/proto';
import { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { sendAction, type ActionOutcome } from '../client/actions';
import { incidentIdFor } from '../client/ids';
import { queryStatus } from '../client/status';
import { StartOutcomes } from '../client/start-outcomes';
import { loadDirectory } from '../comms/directory';
import type { IncidentStatus } from '../domain/incident';
import { buildGateway } from '../gateway/server';
import { SharedReplayGuard } from '../gateway/replay-guard';
import { ClassificationRules } from '../intake/classify';
import { loadRunbooks } from '../intake/runbooks-file';
import { createLogger } from '../lib/logger';
import { openStore } from '../store/open';
import type { Database } from '../store/database';
import { storeJourneyModes } from '../store/journey-modes';
import { bundleWorkflows } from '../temporal/bundle';
import { requireBinary, TEMPORAL_CLI } from '../temporal/binaries';
import { startDevServer } from '../temporal/dev-server';
import { WORKFLOWS_PATH } from '../workers/worker';
import { startTestPostgres } from '../test/helpers/postgres';
import { freePort } from '../test/helpers/ports';

const ROOT = join(__dirname, '..');
const TASK_QUEUE = 'chaos';
const STEP_APPROVAL = 'approve-restart';

interface Plan {
  alerts: number;
  fingerprints: number;
  workers: number;
  gateways: number;
  killEveryMs: number;
  smtpPauseMs: number;
  concurrency: number;
  deadlineMs: number;
}

const FULL: Plan = {
  alerts: 3000,
  fingerprints: 30,
  workers: 3,
  gateways: 2,
  killEveryMs: 5_000,
  smtpPauseMs: 60_000,
  concurrency: 16,
  deadlineMs: 10 * 60_000,
};
const SHORT: Plan = {
  ...FULL,
  alerts: 300,
  fingerprints: 6,
  killEveryMs: 4_000,
  smtpPauseMs: 10_000,
  concurrency: 8,
  deadlineMs: 4 * 60_000,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line: string) => process.stdout.write(`${line}\n`);

/** An SMTP server that records every accepted message and can refuse connections for a while. */
async function startChaosSmtp(): Promise<{
  url: string;
  accepted: Array<{ incident: string; step: string; to: string; messageId: string }>;
  pause(ms: number): void;
  refusedWhilePaused: () => number;
  close(): Promise<void>;
}> {
  const accepted: Array<{ incident: string; step: string; to: string; messageId: string }> = [];
  let pausedUntil = 0;
  let refused = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // Workers keep pooled connections open: closing waits this long for them, not 30 s.
    closeTimeout: 500,
    onConnect(_session, callback) {
      if (Date.now() < pausedUntil) {
        refused++;
        return callback(Object.assign(new Error('paused by the chaos run'), { responseCode: 421 }));
      }
      callback();
    },
    // Workers send over pooled connections opened before the pause: an outage refuses those too.
    onMailFrom(_address, _session, callback) {
      if (Date.now() < pausedUntil) {
        refused++;
        return callback(Object.assign(new Error('paused by the chaos run'), { responseCode: 421 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const head = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('latin1');
        const header = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'im').exec(head)?.[1]?.trim() ?? '';
        for (const rcpt of session.envelope.rcptTo)
          accepted.push({
            incident: header('X-Lockout-Incident'),
            step: header('X-Lockout-Step'),
            to: rcpt.address.toLowerCase(),
            messageId: header('Message-ID'),
          });
        callback();
      });
    },
  });
  // A SIGKILLed worker drops its connection mid-session: that is the point, not a failure.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    pause: (ms) => (pausedUntil = Date.now() + ms),
    refusedWhilePaused: () => refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The small round-robin in front of the gateways; a refused connection tries the next one. */
function roundRobin(targets: () => string[]): Promise<{ url: string; close(): Promise<void> }> {
  let next = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void forward(Buffer.concat(chunks)));
    async function forward(body: Buffer) {
      const all = targets();
      for (let tried = 0; tried < all.length; tried++) {
        const target = all[next++ % all.length]!;
        try {
          const answer = await fetch(`${target}${req.url}`, {
            method: req.method,
            headers: {
              'content-type': req.headers['content-type'] ?? '',
              authorization: req.headers.authorization ?? '',
            },
            body: req.method === 'GET' ? undefined : body,
          });
          res.writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'text/plain',
          });
          res.end(Buffer.from(await answer.arrayBuffer()));
          return;
        } catch (err) {
          // Only a refused connection is safe to send elsewhere: nothing reached that gateway.
          if ((err as { cause?: { code?: string } }).cause?.code !== 'ECONNREFUSED') break;
        }
      }
      res.writeHead(502).end('no gateway answered');
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      }),
    ),
  );
}

/** What a stuck incident is waiting for, for the failure message: its pending activities and phase. */
async function waitingOn(client: Awaited<ReturnType<typeof createClient>>, id: string): Promise<string> {
  try {
    const d = await client.workflow.getHandle(id).describe();
    const pending = (d.raw.pendingActivities ?? []).map(
      (a) =>
        `${a.activityType?.name ?? '?'} attempt ${a.attempt ?? 1} state ${a.state ?? '?'}` +
        (a.lastFailure?.message ? ` (${a.lastFailure.message.slice(0, 120)})` : ''),
    );
    const s = await queryStatus(client, id).catch(() => undefined);
    return `status ${d.status.name}, phase ${s?.phase ?? '?'}, pending: ${pending.join('; ') || 'none'}`;
  } catch (err) {
    return `not describable: ${(err as Error).message}`;
  }
}

async function main(): Promise<void> {
  const opts = new Command('npm run chaos --')
    .description(
      'Break workers, a gateway and SMTP during an alert storm on one dev server, then check nothing was lost or sent twice',
    )
    .option('--short', 'the suite run: 300 alerts over 6 fingerprints, SMTP paused 10 s')
    .option('--alerts <n>', 'alerts in the storm', Number)
    .option('--fingerprints <k>', 'distinct fingerprints (incidents)', Number)
    .option('--json', 'print the figures as JSON at the end')
    .parse()
    .opts<{ short?: boolean; alerts?: number; fingerprints?: number; json?: boolean }>();
  const plan: Plan = {
    ...(opts.short ? SHORT : FULL),
    ...(opts.alerts ? { alerts: opts.alerts } : {}),
    ...(opts.fingerprints ? { fingerprints: opts.fingerprints } : {}),
  };
  const started = Date.now();
  const deadline = started + plan.deadlineMs;
  const left = () => deadline - Date.now();
  // Closing archives the evidence pack; a worker killed while it runs is noticed after its 20 s
  // heartbeat timeout and the archive retried 2-16 s later: three minutes is stuck, not slow.
  const CLOSE_GRACE_MS = 180_000;
  const dir = mkdtempSync(join(tmpdir(), 'lockout-chaos-'));
  const closers: Array<() => Promise<unknown>> = [];
  const children = new Set<ChildProcess>();
  let stopping = false;
  closers.push(async () => {
    stopping = true;
    for (const child of children) child.kill('SIGKILL');
  });
  const cleanUp = async () => {
    // Each closer gets 10 s: a server still holding a kept-alive connection must not hang the run.
    for (const close of closers.splice(0).reverse())
      await Promise.race([close().catch(() => undefined), sleep(10_000)]);
    rmSync(dir, { recursive: true, force: true });
  };
  // Ctrl-C (or the test's timeout) still stops the workers, the servers and the database.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void cleanUp().then(() => process.exit(130)));

  try {
    // --- the stack ---------------------------------------------------------------------------
    let databaseUrl = process.env.LOCKOUT_DATABASE_URL;
    if (!databaseUrl) {
      const pg = await startTestPostgres();
      closers.push(() => pg.stop());
      databaseUrl = await pg.createDatabase('chaos');
    }
    const runbooksDir = join(dir, 'runbooks');
    mkdirSync(runbooksDir);
    copyFileSync(join(__dirname, 'chaos-runbook.yaml'), join(runbooksDir, 'chaos-drill.yaml'));
    const runbooks = loadRunbooks(runbooksDir).map((r) => r.runbook);
    const server = await startDevServer({
      cli: requireBinary(TEMPORAL_CLI),
      dbFile: join(dir, 'temporal.sqlite'),
      logFile: join(dir, 'temporal.log'),
      port: await freePort(),
      uiPort: await freePort(),
    });
    closers.push(() => server.stop());
    const smtp = await startChaosSmtp();
    closers.push(() => smtp.close());
    const stores: Database[] = [];
    closers.push(async () => {
      for (const db of stores) await db.close().catch(() => undefined);
    });
    const connection = await Connection.connect({ address: server.address });
    closers.push(() => connection.close());
    const client = createClient({ connection }, TEST_KEYS);
    const bundle = join(dir, 'workflows.js');
    writeFileSync(bundle, (await bundleWorkflows(WORKFLOWS_PATH)).code);
    say(`chaos: dev server ${server.address}, SMTP ${smtp.url}, state in ${dir}`);

    // --- workers: processes of their own, so SIGKILL is real ---------------------------------
    const workerEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: server.address,
      LOCKOUT_TASK_QUEUE: TASK_QUEUE,
      LOCKOUT_DATABASE_URL: databaseUrl,
      LOCKOUT_DATA_DIR: join(dir, 'data'),
      LOCKOUT_RUNBOOKS_DIR: runbooksDir,
      SMTP_URL: smtp.url,
      LOCKOUT_WORKER_METRICS: 'off',
      LOCKOUT_LOG_LEVEL: 'error',
      CHAOS_BUNDLE: bundle,
      // The run's payloads are encrypted with the test fixture key ring, workers and client alike.
      LOCKOUT_CODEC_KEYS_FILE: FIXTURE_KEYS_FILE,
    };
    const workers: ChildProcess[] = [];
    let kills = 0;
    let restarts = 0;
    const startWorker = (slot: number) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'chaos-worker.ts')], {
          cwd: ROOT,
          env: workerEnv,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        children.add(child);
        workers[slot] = child;
        let err = '';
        child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
        child.stdout!.on('data', (d: Buffer) => {
          if (d.toString().includes('polling')) resolve();
        });
        child.once('exit', (code, signal) => {
          children.delete(child);
          if (signal !== 'SIGKILL' && !stopping) reject(new Error(`worker ${slot} exited (${code}): ${err}`));
        });
      });
    await Promise.all(Array.from({ length: plan.workers }, (_, i) => startWorker(i)));
    say(`chaos: ${plan.workers} worker processes polling`);

    // --- gateways, in this process, each with its own store pool ------------------------------
    const token = randomBytes(16).toString('hex');
    const rules = ClassificationRules.parse({ rules: [{ name: 'chaos', set: { runbook: 'chaos-drill' } }] });
    const logger = createLogger(
      'warn',
      'chaos-gateway',
      pino.destination({ dest: join(dir, 'gateways.log'), sync: false }),
    );
    const starts = new StartOutcomes();
    const gateways: Array<{ app: FastifyInstance; port: number }> = [];
    const startGateway = async (slot: number, port = 0) => {
      const { db } = await openStore({ kind: 'postgresql', url: databaseUrl });
      stores.push(db);
      const app = buildGateway({
        intake: { client, taskQueue: TASK_QUEUE, runbooks: () => runbooks, starts },
        webUiLink: (id) => `http://ui.invalid/${id}`,
        logger,
        sources: { generic: { mode: 'bearer', tokens: [token] } },
        classification: () => rules,
        journeyModes: storeJourneyModes(db),
        replays: new SharedReplayGuard(db),
      });
      await app.listen({ host: '127.0.0.1', port });
      gateways[slot] = { app, port: (app.server.address() as AddressInfo).port };
    };
    for (let i = 0; i < plan.gateways; i++) await startGateway(i);
    closers.push(async () => {
      for (const g of gateways) await g.app.close();
    });
    const front = await roundRobin(() => gateways.map((g) => `http://127.0.0.1:${g.port}`));
    closers.push(() => front.close());
    say(`chaos: ${plan.gateways} gateways behind ${front.url}`);

    // --- the chaos: kill a random worker every few seconds, restart it ------------------------
    // A worker takes seconds to start; the next kill does not wait for it (several may be down),
    // but the last one running is spared: with none up nothing can move, and on a loaded machine
    // the kills would outpace the restarts (one suite run saw 72 kills, every incident starved).
    const starting = new Set<number>();
    const restarting: Array<Promise<void>> = [];
    const chaos = (async () => {
      while (!stopping) {
        await sleep(plan.killEveryMs);
        if (stopping) break;
        const up = Array.from({ length: plan.workers }, (_, i) => i).filter((i) => !starting.has(i));
        if (up.length < 2) continue;
        const slot = up[Math.floor(Math.random() * up.length)]!;
        workers[slot]?.kill('SIGKILL');
        kills++;
        starting.add(slot);
        restarting.push(
          startWorker(slot).then(() => {
            starting.delete(slot);
            restarts++;
          }),
        );
      }
      await Promise.all(restarting);
    })();

    // --- the storm -----------------------------------------------------------------------------
    const run = randomUUID().slice(0, 8);
    const fingerprints = Array.from({ length: plan.fingerprints }, (_, k) => `chaos-${run}-${k}`);
    const accepted = new Map<string, number>(fingerprints.map((f) => [f, 0]));
    let refusedAlerts = 0;
    /** Answers other than 202 by status (502: the round-robin lost the connection to a closing gateway). */
    const notAccepted: Record<string, number> = {};
    let sent = 0;
    const stormStarted = Date.now();
    const gatewayRestart = (async () => {
      await sleep(3_000);
      const { app, port } = gateways[0]!;
      await app.close();
      await sleep(1_000);
      await startGateway(0, port);
      say('chaos: gateway 0 restarted');
    })();
    const smtpPause = (async () => {
      await sleep(2_000);
      smtp.pause(plan.smtpPauseMs);
      say(`chaos: SMTP refuses every connection for ${plan.smtpPauseMs / 1000} s`);
    })();
    await Promise.all(
      Array.from({ length: plan.concurrency }, async () => {
        while (sent < plan.alerts) {
          const n = sent++;
          const fingerprint = fingerprints[n % plan.fingerprints]!;
          const response = await fetch(`${front.url}/alerts/generic`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({
              title: `Chaos lockout ${fingerprint}`,
              fingerprint,
              pattern: 'unclassified',
            }),
          }).catch(() => undefined);
          if (response?.status === 202) accepted.set(fingerprint, accepted.get(fingerprint)! + 1);
          else {
            refusedAlerts++;
            const key = String(response?.status ?? 'no answer');
            notAccepted[key] = (notAccepted[key] ?? 0) + 1;
          }
          await response?.arrayBuffer().catch(() => undefined);
        }
      }),
    );
    const stormSeconds = (Date.now() - stormStarted) / 1000;
    await Promise.all([gatewayRestart, smtpPause]);
    say(
      `chaos: storm of ${plan.alerts} alerts in ${stormSeconds.toFixed(1)} s (${refusedAlerts} not accepted: ${JSON.stringify(notAccepted)}; only accepted ones count)`,
    );

    // --- responder actions: approve each incident once (and a duplicate click, and a retry) ----
    const ids = fingerprints.map((f) => incidentIdFor(f));
    const status = (id: string) => queryStatus(client, id);
    const approvalOutcomes: string[] = [];
    /**
     * A responder's client sends again (same action id: applied once) when the call itself fails,
     * e.g. the update was aborted because the worker running its workflow task was killed.
     */
    const actionErrors: string[] = [];
    const act = async (...args: Parameters<typeof sendAction>) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await sendAction(...args);
        } catch (err) {
          const cause = (err as { cause?: Error }).cause?.message;
          actionErrors.push(`${(err as Error).message}${cause ? `: ${cause}` : ''}`);
          // Given up: the checks below say what this left undone (an approval not applied).
          if (attempt >= 10 || left() <= 0)
            return { outcome: 'error', message: actionErrors.at(-1)! } as unknown as ActionOutcome;
          await sleep(2_000);
        }
      }
    };
    await Promise.all(
      ids.map(async (id) => {
        while (left() > 0) {
          const s = await status(id).catch(() => undefined);
          if (s?.approvals.some((a) => a.step === STEP_APPROVAL && a.state === 'pending')) break;
          await sleep(1_000);
        }
        const actionId = randomUUID();
        const first = await act(client, id, 'approve', { step: STEP_APPROVAL, by: 'dev' }, { actionId });
        // The same action again (a retried request) and a second click with a new id.
        const retried = await act(client, id, 'approve', { step: STEP_APPROVAL, by: 'dev' }, { actionId });
        const second = await act(
          client,
          id,
          'approve',
          { step: STEP_APPROVAL, by: 'dev' },
          { actionId: randomUUID() },
        );
        approvalOutcomes.push(`${first.outcome}/${retried.outcome}/${second.outcome}`);
      }),
    );

    // --- wait for the notification after approval, then resolve --------------------------------
    const stuck: string[] = [];
    await Promise.all(
      ids.map(async (id) => {
        for (;;) {
          const s = await status(id).catch(() => undefined);
          const after = s?.deliveries.filter(
            (d) => d.step === 'notify-approved' && d.outcome === 'delivered',
          );
          if (after && after.length >= 2) break;
          if (left() <= 0) return void stuck.push(`${id}: no notification after approval`);
          await sleep(1_000);
        }
        await act(
          client,
          id,
          'resolve',
          { by: 'dev', reason: 'chaos drill over' },
          { actionId: randomUUID() },
        );
        const done = await Promise.race([
          client.workflow
            .getHandle(id)
            .result()
            .then(() => true),
          // Stuck: not closed within the grace after its resolve, even when the run's budget is spent.
          sleep(Math.max(left(), CLOSE_GRACE_MS)).then(() => false),
        ]).catch(() => false);
        if (!done)
          stuck.push(
            `${id}: not closed within ${CLOSE_GRACE_MS / 1000} s of its resolve; ${await waitingOn(client, id)}`,
          );
      }),
    );
    stopping = true;
    await chaos.catch(() => undefined);

    // --- checks --------------------------------------------------------------------------------
    const directory = loadDirectory(join(ROOT, 'config', 'directory.yaml'));
    const emailOf = (person: string) => directory.people[person]?.email?.toLowerCase() ?? person;
    const smtpCount = new Map<string, number>();
    for (const m of smtp.accepted) {
      const key = `${m.incident} ${m.step} ${m.to}`;
      smtpCount.set(key, (smtpCount.get(key) ?? 0) + 1);
    }
    // An incident whose status cannot be read (its replay failed) is a failure; its history is
    // kept under bench-results/ to be replayed and fixed.
    const unreadable: string[] = [];
    const statuses: IncidentStatus[] = [];
    for (const id of ids) {
      try {
        statuses.push(await status(id));
      } catch (err) {
        const keep = join(ROOT, 'bench-results', `chaos-${run}`);
        mkdirSync(keep, { recursive: true });
        const history = await client.workflow.getHandle(id).fetchHistory();
        writeFileSync(join(keep, `${id}.json`), JSON.stringify(history));
        unreadable.push(`${id}: status unreadable (${(err as Error).message}); history in ${keep}`);
      }
    }
    const wrongCounts = statuses
      .map((s) => ({ s, expected: accepted.get(fingerprints[ids.indexOf(s.incidentId)]!)! }))
      .filter(({ s, expected }) => s.alertCount !== expected)
      .map(({ s, expected }) => `${s.incidentId}: ${s.alertCount} alerts, ${expected} accepted`);
    let listed = 0;
    for await (const wf of client.workflow.list({ query: `TaskQueue = '${TASK_QUEUE}'` }))
      if (ids.includes(wf.workflowId)) listed++;
    const notOnce: string[] = [];
    let delivered = 0;
    const expectedKeys = new Set<string>();
    for (const s of statuses)
      for (const d of s.deliveries.filter((x) => x.channel === 'email' && x.outcome === 'delivered')) {
        delivered++;
        const key = `${s.incidentId} ${d.step} ${emailOf(d.recipient)}`;
        expectedKeys.add(key);
        if (smtpCount.get(key) !== 1) notOnce.push(`${key}: accepted ${smtpCount.get(key) ?? 0} times`);
      }
    for (const [key, n] of smtpCount)
      if (!expectedKeys.has(key))
        notOnce.push(`${key}: accepted ${n} times, not in the incident's deliveries`);
    let taskFailures = 0;
    let taskTimeouts = 0;
    // The attempts each incident's evidence archive took (the started event records the last).
    const archiveAttempts: number[] = [];
    const E = temporal.api.enums.v1.EventType;
    for (const id of ids) {
      const history = await client.workflow.getHandle(id).fetchHistory();
      const archives = new Set<string>();
      let attempts = 0;
      for (const e of history.events ?? []) {
        if (e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_FAILED) taskFailures++;
        if (e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) taskTimeouts++;
        const scheduled = e.activityTaskScheduledEventAttributes;
        if (scheduled?.activityType?.name === 'archiveEvidence') archives.add(String(e.eventId));
        const started = e.activityTaskStartedEventAttributes;
        if (started && archives.has(String(started.scheduledEventId))) attempts += started.attempt ?? 1;
      }
      archiveAttempts.push(attempts);
    }
    const approvalsWrong = statuses
      .map((s) => ({ s, a: s.approvals.find((x) => x.step === STEP_APPROVAL) }))
      .filter(({ a }) => !a || a.state !== 'approved' || a.decisions.length !== 1)
      .map(
        ({ s, a }) => `${s.incidentId}: ${a ? `${a.state}, ${a.decisions.length} decisions` : 'no approval'}`,
      );

    const figures = {
      plan,
      seconds: Math.round((Date.now() - started) / 1000),
      storm: {
        alerts: plan.alerts,
        accepted: plan.alerts - refusedAlerts,
        notAccepted,
        seconds: Math.round(stormSeconds * 10) / 10,
      },
      chaos: {
        workerKills: kills,
        workerRestarts: restarts,
        gatewayRestarts: 1,
        smtpPauseSeconds: plan.smtpPauseMs / 1000,
        smtpConnectionsRefused: smtp.refusedWhilePaused(),
      },
      incidents: { expected: plan.fingerprints, found: listed, wrongCounts },
      email: { deliveries: delivered, smtpAccepted: smtp.accepted.length, notExactlyOnce: notOnce },
      workflowTaskFailures: taskFailures,
      workflowTaskTimeouts: taskTimeouts,
      evidenceArchiveAttempts: archiveAttempts,
      stuck,
      actionErrorsRetried: { count: actionErrors.length, kinds: [...new Set(actionErrors)] },
      approvals: {
        applied: statuses.length - approvalsWrong.length,
        wrong: approvalsWrong,
        outcomes: [...new Set(approvalOutcomes)],
      },
    };
    const checks: Array<[string, boolean]> = [
      [`exactly ${plan.fingerprints} incidents (found ${listed})`, listed === plan.fingerprints],
      [`exact alert counts (${wrongCounts.length} wrong)`, wrongCounts.length === 0],
      [
        `every email accepted by SMTP exactly once per recipient and step (${delivered} deliveries, ${smtp.accepted.length} accepted, ${notOnce.length} wrong)`,
        notOnce.length === 0 && delivered > 0,
      ],
      [
        `no workflow task failures (${taskFailures}; ${taskTimeouts} task timeouts from killed workers)`,
        taskFailures === 0,
      ],
      [
        `no incident stuck (${stuck.length}), every status readable (${unreadable.length} not)`,
        stuck.length === 0 && unreadable.length === 0,
      ],
      [`every approval applied once (${approvalsWrong.length} wrong)`, approvalsWrong.length === 0],
    ];
    say('');
    say(
      `chaos run: ${figures.seconds} s; ${kills} worker SIGKILLs and restarts, 1 gateway restart, SMTP paused ${plan.smtpPauseMs / 1000} s (${smtp.refusedWhilePaused()} connections or messages refused)`,
    );
    say(`  evidence archive attempts per incident: ${archiveAttempts.join(', ')}`);
    say(
      `  storm: ${plan.alerts} alerts over ${plan.fingerprints} fingerprints in ${stormSeconds.toFixed(1)} s through ${plan.gateways} gateways`,
    );
    if (actionErrors.length)
      say(
        `  responder actions: ${actionErrors.length} calls failed and were sent again with the same id (${[...new Set(actionErrors)].join('; ')})`,
      );
    for (const [what, ok] of checks) say(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
    for (const line of [...wrongCounts, ...notOnce, ...stuck, ...unreadable, ...approvalsWrong].slice(0, 20))
      say(`       ${line}`);
    if (opts.json) say(JSON.stringify(figures));
    process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1;
  } finally {
    await cleanUp();
  }
}

main().then(
  // Exit with the checks' verdict even if a library keeps a handle open.
  () => process.exit(process.exitCode ?? 0),
  (err: Error) => {
    console.error(`chaos: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
