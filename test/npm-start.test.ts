/**
 * `npm start` itself (scripts/start.ts through tsx, as `npm start` runs it): the embedded stack on
 * free ports and a temporary data directory. An alert opens an incident; SIGTERM stops the stack;
 * started again on the same data directory, the dev server's SQLite file (temporal.sqlite under
 * the data directory) still has the incident, and a worker carries it on.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncidentStatus } from '../domain/incident';
import { runCli } from './helpers/cli';
import { freePort } from './helpers/ports';
import { findJemalloc, JEMALLOC_CONF } from '../lib/allocator';

const ROOT = join(__dirname, '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

interface Stack {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

describe('npm start: the embedded stack, stopped and started again (real processes)', function () {
  this.timeout(300_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'lockout-start-'));
  let env: NodeJS.ProcessEnv;
  let temporalAddress: string;
  const stacks: Stack[] = [];

  before(async () => {
    const [temporal, ui, gateway, smtp] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    temporalAddress = `localhost:${temporal}`;
    env = { ...process.env };
    for (const name of [
      'LD_PRELOAD',
      'MALLOC_CONF',
      'TEMPORAL_ADDRESS',
      'SMTP_URL',
      'LOCKOUT_LINK_SECRET',
      'LOCKOUT_GATEWAY_URL',
      'LOCKOUT_CODEC_KEYS',
      'LOCKOUT_CODEC_KEYS_FILE',
    ])
      delete env[name];
    Object.assign(env, {
      LOCKOUT_DATA_DIR: dataDir,
      LOCKOUT_TEMPORAL_PORT: String(temporal),
      TEMPORAL_UI_URL: `http://localhost:${ui}`,
      LOCKOUT_GATEWAY_PORT: String(gateway),
      LOCKOUT_SMTP_SINK_PORT: String(smtp),
      LOCKOUT_WORKER_METRICS: 'off',
    });
  });
  after(() => {
    // Whatever happened: no process of this test outlives it (the group: tsx, start, dev server).
    for (const { child } of stacks)
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
  });

  async function start(more: NodeJS.ProcessEnv = {}): Promise<Stack> {
    const child = spawn(process.execPath, [TSX, join('scripts', 'start.ts')], {
      cwd: ROOT,
      env: { ...env, ...more },
      detached: true, // its own process group, so after() can end all of it
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const stack = { child, output: () => output, exited };
    stacks.push(stack);
    await new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        if (output.includes('Ctrl-C stops everything.')) {
          clearInterval(check);
          resolve();
        }
      }, 100);
      void exited.then((code) => {
        clearInterval(check);
        reject(new Error(`npm start exited (${code}) before it was ready:\n${output}`));
      });
    });
    return stack;
  }

  async function stop(stack: Stack): Promise<void> {
    stack.child.kill('SIGTERM');
    const code = await stack.exited;
    assert.equal(code, 0, stack.output());
    assert.match(stack.output(), /Stopped\. Incidents are kept in the dev server state/);
  }

  const cli = (...args: string[]) =>
    // No key ring configured: the CLI uses the development one npm start made in the data directory.
    runCli(args, {
      TEMPORAL_ADDRESS: temporalAddress,
      LOCKOUT_DATA_DIR: dataDir,
      LOCKOUT_CODEC_KEYS_FILE: '',
    });
  async function status(id: string): Promise<IncidentStatus> {
    const r = await cli('status', id, '--json');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as IncidentStatus;
  }
  async function waitFor(id: string, done: (s: IncidentStatus) => boolean, what: string) {
    let last: IncidentStatus | undefined;
    for (let i = 0; i < 60; i++) {
      last = await status(id);
      if (done(last)) return last;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.fail(`${what}; last timeline: ${JSON.stringify(last?.timeline.slice(-5))}`);
  }

  it('refuses to start in production mode without configured keys, before starting anything', async () => {
    const child = spawn(process.execPath, [TSX, join('scripts', 'start.ts')], {
      cwd: ROOT,
      env: {
        ...env,
        LOCKOUT_PRODUCTION: 'true',
        LOCKOUT_DATA_DIR: mkdtempSync(join(tmpdir(), 'lockout-prod-')),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1);
    assert.match(
      output,
      /LOCKOUT_PRODUCTION=true and no payload encryption keys are configured: set LOCKOUT_CODEC_KEYS_FILE/,
    );
  });

  it('keeps an open incident across a restart on the same data directory, and carries it on', async () => {
    // The first start runs with jemalloc preloaded as the Docker image does; the second without.
    const jemalloc = findJemalloc();
    if (!jemalloc && process.env.CI) assert.fail('jemalloc is not installed (CI: tests must not skip)');
    const first = await start(jemalloc ? { LD_PRELOAD: jemalloc, MALLOC_CONF: JEMALLOC_CONF } : {});
    if (jemalloc) assert.match(first.output(), new RegExp(`Memory allocator {2}jemalloc \\(${jemalloc}\\)`));
    assert.match(first.output(), new RegExp(`Temporal server {3}${temporalAddress}`));
    const keyRing = join(dataDir, 'codec-keys.json');
    assert.match(first.output(), /Payloads {10}encrypted \(AES-256-GCM\).*made now/);
    assert.equal(statSync(keyRing).mode & 0o777, 0o600, 'the development key ring is private');
    // The dev server's Web UI decodes through the gateway's codec server.
    const settings = await fetch(
      `http://127.0.0.1:${new URL(env.TEMPORAL_UI_URL!).port}/api/v1/settings`,
    ).then((r) => r.text());
    assert.ok(
      settings.includes(`http://127.0.0.1:${env.LOCKOUT_GATEWAY_PORT}/codec`),
      `the Web UI's codec endpoint: ${settings}`,
    );
    assert.ok(
      existsSync(join(dataDir, 'temporal.sqlite')),
      'the dev server keeps its state in the data directory',
    );

    const triggered = await cli(
      'trigger',
      '--title',
      'Salesforce API certificate chain invalid',
      '--pattern',
      'certificate-chain',
      '--severity',
      'sev2',
      '--json',
    );
    assert.equal(triggered.code, 0, triggered.stderr);
    const { incidentId } = JSON.parse(triggered.stdout) as { incidentId: string };
    assert.match(incidentId, /^lockout-/);
    // The worker has run the incident's first steps: it is under way, not only started.
    const before = await waitFor(
      incidentId,
      (s) => s.deliveries.length > 0,
      'the first notification went out',
    );
    assert.equal(before.phase, 'detected');

    await stop(first);
    const down = await cli('status', incidentId);
    assert.equal(down.code, 1, 'nothing answers while the stack is stopped');

    const second = await start();
    assert.doesNotMatch(second.output(), /made now/, 'the key ring of the first start is kept');
    assert.match(second.output(), /Memory allocator {2}the system's malloc \(/);
    try {
      const after = await status(incidentId);
      assert.equal(after.incidentId, incidentId);
      assert.equal(after.runbook.id, before.runbook.id);
      assert.equal(after.detectedAt, before.detectedAt);
      assert.notEqual(after.phase, 'resolved');
      assert.deepEqual(
        after.timeline.slice(0, before.timeline.length),
        before.timeline,
        'the timeline from before the restart is intact',
      );

      const listed = await cli('list', '--json');
      assert.equal(listed.code, 0, listed.stderr);
      assert.ok(listed.stdout.includes(incidentId), 'still listed as open');

      const ack = await cli('ack', incidentId, '--by', 'ana', '--json');
      assert.equal(ack.code, 0, ack.stderr);
      assert.equal((JSON.parse(ack.stdout) as { via: string }).via, 'update', 'a worker answers at once');
      const acked = await status(incidentId);
      assert.equal(acked.phase, 'acknowledged');
      assert.deepEqual(
        acked.acknowledgements.map((a) => a.by),
        ['ana'],
      );
    } finally {
      await stop(second);
    }
  });
});
