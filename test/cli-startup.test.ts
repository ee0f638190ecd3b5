/**
 * The CLI loads heavy libraries only for the commands that use them: `lockout ack` at 3 a.m.
 * should not wait for a PDF printer, a SOQL grammar or a workflow worker. Each case runs the real
 * `lockout` and lists the module files the process loaded.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_KEYS_FILE } from './helpers/codec-keys';

const BIN = join(__dirname, '..', 'bin', 'lockout.js');
const RECORDER = join(__dirname, 'helpers', 'record-loaded-modules.js');

/** Loaded by the commands that need them, never at start-up. */
const HEAVY = [
  'playwright-core', // evidence PDFs
  '@jetstreamapp/soql-parser-js', // checking key-account criteria
  '@electric-sql/pglite', // the embedded store
  '@temporalio/worker', // workers and simulations
  '@temporalio/testing', // simulations
];

function loadedModules(args: string[]): { code: number | null; modules: string[]; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cli-startup-'));
  const file = join(dir, 'modules.txt');
  try {
    const result = spawnSync(process.execPath, ['--require', RECORDER, BIN, ...args], {
      env: { ...process.env, LOADED_MODULES_FILE: file, LOCKOUT_CODEC_KEYS_FILE: FIXTURE_KEYS_FILE },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: result.status, modules: readFileSync(file, 'utf8').split('\n'), stderr: result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const packagesIn = (modules: string[]) =>
  HEAVY.filter((pkg) => modules.some((m) => m.includes(`/node_modules/${pkg}/`)));

describe('lockout start-up (the real CLI, modules it loads)', function () {
  this.timeout(120_000);

  for (const args of [['--help'], ['status', '--help'], ['ack', '--help'], ['validate']]) {
    it(`lockout ${args.join(' ')} loads none of ${HEAVY.length} heavy libraries`, () => {
      const { code, modules, stderr } = loadedModules(args);
      assert.equal(code, 0, stderr);
      assert.ok(
        modules.some((m) => m.endsWith(join('cli', 'main.ts'))),
        'the recorder saw the CLI load',
      );
      assert.deepEqual(packagesIn(modules), []);
    });
  }

  it('lockout simulate loads the worker SDK when it runs', () => {
    const { code, modules, stderr } = loadedModules([
      'simulate',
      'generic-lockout',
      '--until',
      '20m',
      '--json',
    ]);
    assert.equal(code, 0, stderr);
    assert.ok(packagesIn(modules).includes('@temporalio/worker'), 'the simulation ran a worker');
  });
});
