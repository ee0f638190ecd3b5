/**
 * Everything the bench runs against, fresh each time: a Temporal dev server with its state in a
 * temporary directory, an SMTP sink that notes when each incident's mail arrives, the gateway
 * (in this process) and workers in their own processes. Only ephemeral ports.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { Connection, type Client } from '@temporalio/client';
import { createClient } from '../temporal/encrypted';
import { parseKeyRing, type KeyRing, type KeyRingFile } from '../temporal/key-ring';
import pino from 'pino';
import { bundleWorkflows } from '../temporal/bundle';
import type { FastifyInstance } from 'fastify';
import { startSmtpSink, type SmtpSink } from '../comms/smtp-sink';
import { createLogger } from '../lib/logger';
import { loadRunbooks } from '../intake/runbooks-file';
import type { Runbook } from '../domain/runbook';
import { buildGateway } from '../gateway/server';
import { ClassificationRules } from '../intake/classify';
import { requireBinary, TEMPORAL_CLI } from '../temporal/binaries';
import { startDevServer, type DevServer } from '../temporal/dev-server';
import { StartOutcomes } from '../client/start-outcomes';
import { WORKFLOWS_PATH } from '../workers/worker';
import type { FromWorker, ToWorker, WorkerProcessOptions } from './worker-process';
import { startProviders, type Providers } from './providers';
import { JEMALLOC_CONF, withoutAllocator, type Allocator } from '../lib/allocator';

const ROOT = join(__dirname, '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * For the memory step's workers: the product's jemalloc settings with freed pages given back
 * after 1 s instead of 10 s, the same memory once settled, reached before the bench measures it
 * (bench/worker-process.ts). Every other worker runs with the product's settings.
 */
const MEMORY_PROBE_CONF = `${JEMALLOC_CONF},dirty_decay_ms:1000,muzzy_decay_ms:1000`;

/** The SMTP sink, noting when the first message of each incident arrived (performance.now()). */
export interface MailClock {
  url: string;
  received: number;
  /** Resolves with the arrival time of the incident's first message. */
  firstMessage(incidentId: string): Promise<number>;
}

function startMailClock(): Promise<MailClock & { sink: Promise<SmtpSink> }> {
  const arrived = new Map<string, number>();
  const waiting = new Map<string, (at: number) => void>();
  let received = 0;
  const sink = startSmtpSink({
    onMessage: ({ raw }) => {
      const at = performance.now();
      received++;
      const head = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('latin1');
      const id = /^X-Lockout-Incident:\s*(\S+)/im.exec(head)?.[1];
      if (!id || arrived.has(id)) return;
      arrived.set(id, at);
      waiting.get(id)?.(at);
      waiting.delete(id);
    },
  });
  return sink.then((s) => ({
    sink,
    url: s.url,
    get received() {
      return received;
    },
    firstMessage(incidentId: string) {
      const at = arrived.get(incidentId);
      if (at !== undefined) return Promise.resolve(at);
      return new Promise<number>((resolve) => waiting.set(incidentId, resolve));
    },
  }));
}

export interface WorkerHandle {
  ready: { maxCachedWorkflows: number; allocator: Allocator['name'] };
  /** The process's memory, and how many workflows its cache holds at that moment. */
  memory(): Promise<{ rss: number; heapUsed: number; external: number; cached: number }>;
  stop(): Promise<void>;
}

export interface BenchStack {
  dir: string;
  /** The malloc every worker process runs with (both sides, as the Docker image runs them). */
  allocator: Allocator;
  address: string;
  serverVersion: string;
  client: Client;
  /** The key ring every client and worker of the bench encrypts with. */
  keys: KeyRing;
  mail: MailClock;
  /** Twilio's API and the chat webhooks on loopback, for workers started `configured`. */
  providers: Providers;
  runbook: Runbook;
  /**
   * A gateway for one task queue; every alert runs the bench's runbook, or `runbook`. With
   * `statusPageAs`, it also serves the status page, to that one person named in an
   * `x-forwarded-user` header.
   */
  gateway(
    taskQueue: string,
    options?: { statusPageAs?: string; client?: Client; runbook?: Runbook },
  ): Promise<{ url: string; token: string; close(): Promise<void> }>;
  /**
   * `configured`: the worker sends SMS and webhooks to `providers` (else they go to the outbox);
   * `env`: more of its environment; `bundlePath`: another workflow bundle than the stack's;
   * `maxCachedWorkflows`: its workflow cache (else the SDK's default for its heap);
   * `memoryProbe`: a worker whose memory is measured (see MEMORY_PROBE_CONF).
   */
  worker(
    kind: WorkerProcessOptions['kind'],
    taskQueue: string,
    options?: {
      configured?: boolean;
      env?: Record<string, string>;
      bundlePath?: string;
      maxCachedWorkflows?: number;
      memoryProbe?: boolean;
    },
  ): Promise<WorkerHandle>;
  close(): Promise<void>;
}

export async function startStack(
  runbookId: string,
  say: (line: string) => void,
  allocator: Allocator = { name: 'system' },
): Promise<BenchStack> {
  const dir = mkdtempSync(join(tmpdir(), 'lockout-bench-'));
  const runbooks = loadRunbooks(process.env.LOCKOUT_RUNBOOKS_DIR ?? join(ROOT, 'runbooks')).map(
    (r) => r.runbook,
  );
  const runbook = runbooks.find((r) => r.id === runbookId);
  if (!runbook)
    throw new Error(
      `--runbook ${runbookId}: no such runbook (have: ${runbooks.map((r) => r.id).join(', ')})`,
    );

  say(`state in ${dir}`);
  const [port, uiPort] = [await freePort(), await freePort()];
  const server: DevServer = await startDevServer({
    cli: requireBinary(TEMPORAL_CLI),
    dbFile: join(dir, 'temporal.sqlite'),
    logFile: join(dir, 'temporal.log'),
    port,
    uiPort,
  });
  const closers: Array<() => Promise<unknown>> = [() => server.stop()];
  try {
    const starts = new StartOutcomes();
    const connection = await Connection.connect({
      address: server.address,
      interceptors: [starts.interceptor],
    });
    closers.push(() => connection.close());
    // A fresh key ring per run: the bench measures with payload encryption on, as deployed.
    const keyRing = JSON.stringify({
      keys: [{ id: 'bench', region: 'global', key: randomBytes(32).toString('base64') }],
    } satisfies KeyRingFile);
    const keys = parseKeyRing(keyRing, 'the bench key ring');
    const client = createClient({ connection }, keys);
    const { serverVersion } = await connection.workflowService.getSystemInfo({});
    const mail = await startMailClock();
    closers.push(async () => (await mail.sink).close());
    const providers = await startProviders(dir);
    closers.push(() => providers.close());

    say('bundling workflow code (incident and baseline)');
    const bundles = {
      incident: join(dir, 'incident-workflows.js'),
      baseline: join(dir, 'bench-workflows.js'),
    };
    writeFileSync(bundles.incident, (await bundleWorkflows(WORKFLOWS_PATH)).code);
    writeFileSync(bundles.baseline, (await bundleWorkflows(require.resolve('./workflows'))).code);

    const logger = createLogger(
      'info',
      'gateway',
      pino.destination({ dest: join(dir, 'gateway.log'), sync: false }),
    );
    const children = new Set<ChildProcess>();
    closers.push(async () => {
      for (const child of children) child.kill('SIGKILL');
    });

    return {
      dir,
      allocator,
      address: server.address,
      serverVersion: serverVersion ?? 'unknown',
      client,
      keys,
      mail,
      providers,
      runbook,

      async gateway(taskQueue, options = {}) {
        const token = randomBytes(16).toString('hex');
        const webUiLink = (id: string) => `http://127.0.0.1:${uiPort}/namespaces/default/workflows/${id}`;
        const person = options.statusPageAs;
        const chosen = options.runbook ?? runbook;
        const known = runbooks.some((r) => r.id === chosen.id) ? runbooks : [...runbooks, chosen];
        const rules = ClassificationRules.parse({
          rules: [{ name: 'bench-runbook', set: { runbook: chosen.id } }],
        });
        const app: FastifyInstance = buildGateway({
          intake: { client: options.client ?? client, taskQueue, runbooks: () => known, starts },
          webUiLink,
          logger,
          sources: { generic: { mode: 'bearer', tokens: [token] } },
          classification: () => rules,
          ...(person
            ? {
                statusPage: {
                  client,
                  webUiLink,
                  sessionSecret: randomBytes(24).toString('hex'),
                  health: async () => [],
                  auth: {
                    auth: {
                      mode: 'proxy',
                      header: 'x-forwarded-user',
                      allowFrom: ['127.0.0.1', '::ffff:127.0.0.1'],
                    },
                    sessionTtlMs: 3_600_000,
                    secureCookies: false,
                    knownPerson: (id) => id === person,
                  },
                },
              }
            : {}),
        });
        await app.listen({ host: '127.0.0.1', port: 0 });
        return {
          url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
          token,
          close: () => app.close(),
        };
      },

      async worker(
        kind,
        taskQueue,
        { configured = false, env = {}, bundlePath, maxCachedWorkflows, memoryProbe = false } = {},
      ) {
        const options: WorkerProcessOptions = {
          kind,
          address: server.address,
          taskQueue,
          bundlePath: bundlePath ?? bundles[kind],
          smtpUrl: mail.url,
          keyRing,
          ...(maxCachedWorkflows ? { maxCachedWorkflows } : {}),
        };
        const child = fork(join(__dirname, 'worker-process.ts'), [], {
          execArgv: ['--expose-gc', '--require', 'tsx/cjs'],
          env: {
            ...withoutAllocator(process.env),
            ...(allocator.name === 'jemalloc'
              ? {
                  LD_PRELOAD: allocator.library,
                  MALLOC_CONF: memoryProbe ? MEMORY_PROBE_CONF : JEMALLOC_CONF,
                }
              : {}),
            BENCH_WORKER: JSON.stringify(options),
            // The run's own sent ledger and outbox: not the checkout's .data/, which grows run by run.
            LOCKOUT_DATA_DIR: join(dir, 'data'),
            SMTP_URL: mail.url,
            ...(configured ? providers.env : {}),
            ...env,
          },
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        children.add(child);
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        const next = <T extends FromWorker['type']>(type: T) =>
          new Promise<Extract<FromWorker, { type: T }>>((resolve, reject) => {
            const onMessage = (m: FromWorker) => {
              if (m.type !== type) return;
              child.off('message', onMessage);
              resolve(m as Extract<FromWorker, { type: T }>);
            };
            child.on('message', onMessage);
            void exited.then(() => reject(new Error(`${kind} worker exited (code ${child.exitCode})`)));
          });
        const ready = await next('ready');
        if (ready.allocator !== allocator.name)
          throw new Error(`${kind} worker runs with ${ready.allocator}, not ${allocator.name}`);
        const tell = (m: ToWorker) => child.send(m);
        return {
          ready,
          async memory() {
            const reply = next('memory');
            tell({ type: 'measure' });
            const { rss, heapUsed, external, cached } = await reply;
            return { rss, heapUsed, external, cached };
          },
          async stop() {
            tell({ type: 'stop' });
            await exited;
            children.delete(child);
          },
        };
      },

      async close() {
        for (const close of closers.reverse()) await close().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw err;
  }
}
