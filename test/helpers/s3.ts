/**
 * A real S3-compatible server for tests: moto's server (pinned PyPI `moto[server]`) on a free
 * loopback port, from a venv at .tools/moto (made here when missing; .ci/run makes it up front).
 * Without Python or the package this throws, saying what to install: the tests fail, they do not
 * skip (as with PostgreSQL, docs/testing.md).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from './ports';

export const MOTO_VERSION = '5.2.5';
const VENV = join(__dirname, '..', '..', '.tools', 'moto');
const SERVER = join(VENV, 'bin', 'moto_server');

/** moto accepts any credentials; these reach the SDK's chain in spawned processes through `env`. */
const CREDENTIALS = { accessKeyId: 'lockout-test', secretAccessKey: 'lockout-test-secret' };

export interface TestS3 {
  endpoint: string;
  /** A client of the server (real SDK, real HTTP). */
  client: S3Client;
  /** Environment for a process that uses the server through the SDK's credential chain. */
  env: Record<string, string>;
  createBucket(name: string, options?: { objectLock?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** The venv with moto's server, installed from PyPI when missing. */
export function ensureMoto(): string {
  if (existsSync(SERVER)) return SERVER;
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0)
      throw new Error(
        `could not install moto's S3 server (${cmd} ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim().slice(-400)}): ` +
          `it needs python3 with venv and PyPI access (python3 -m venv .tools/moto && .tools/moto/bin/pip install 'moto[server]==${MOTO_VERSION}'; .ci/run does)`,
      );
  };
  run('python3', ['-m', 'venv', VENV]);
  run(join(VENV, 'bin', 'pip'), ['install', '--quiet', `moto[server]==${MOTO_VERSION}`]);
  return SERVER;
}

async function waitUntilReady(endpoint: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`moto_server exited (${server.exitCode}): ${log()}`);
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`moto_server did not answer at ${endpoint}: ${(err as Error).message}`, {
          cause: err,
        });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startTestS3(): Promise<TestS3> {
  const bin = ensureMoto();
  const port = await freePort();
  const server = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  server.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const killOnExit = () => server.kill('SIGKILL');
  process.once('exit', killOnExit);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, server, () => stderr);
  } catch (err) {
    server.kill('SIGKILL');
    throw err;
  }
  const client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: CREDENTIALS,
  });
  return {
    endpoint,
    client,
    env: {
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      LOCKOUT_EVIDENCE_S3_ENDPOINT: endpoint,
    },
    async createBucket(name, options = {}) {
      await client.send(
        new CreateBucketCommand({
          Bucket: name,
          ObjectLockEnabledForBucket: options.objectLock || undefined,
        }),
      );
    },
    async stop() {
      client.destroy();
      process.removeListener('exit', killOnExit);
      if (server.exitCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGTERM');
        await exited;
      }
    },
  };
}
