/** `temporal server start-dev` as a child process, persisted to a SQLite file. */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeFlags } from '../domain/search-attributes';

export interface DevServerOptions {
  cli: string;
  dbFile: string;
  logFile: string;
  ip?: string;
  port?: number;
  uiPort?: number;
  /** Remote codec server the Web UI decodes payloads with (`--ui-codec-endpoint`). */
  uiCodecEndpoint?: string;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitUntilServing(
  address: string,
  exited: () => string | undefined,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exitReason = exited();
    if (exitReason) throw new Error(`temporal server exited during start-up (${exitReason})`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: '1s' });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`temporal server at ${address} not ready after ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? 7233;
  const uiPort = options.uiPort ?? 8233;
  for (const p of [port, uiPort]) {
    if (await portInUse(ip, p)) {
      throw new Error(
        `port ${p} on ${ip} is already in use: is another Temporal server running? Stop it, or set TEMPORAL_ADDRESS to use it`,
      );
    }
  }
  mkdirSync(dirname(options.dbFile), { recursive: true });
  const log = openSync(options.logFile, 'a');
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    options.dbFile,
    '--ip',
    ip,
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--ui-disable-news-fetch',
    ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
    '--log-level',
    'warn',
    ...searchAttributeFlags().flatMap((flag) => ['--search-attribute', flag]),
  ];
  const child = spawn(options.cli, args, { stdio: ['ignore', log, log] });
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitReason = signal ? `signal ${signal}` : `exit code ${code}; see ${options.logFile}`;
      resolve();
    }),
  );
  const address = `${ip}:${port}`;
  try {
    await waitUntilServing(address, () => exitReason, 60_000);
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
  return {
    address,
    uiUrl: `http://${ip === '0.0.0.0' ? 'localhost' : ip}:${uiPort}`,
    async stop() {
      if (exitReason) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
