/**
 * No Temporal client, worker or test server without the payload codec: they are built only by
 * temporal/encrypted.ts. ESLint enforces it on every value import (eslint.config.mjs,
 * `temporalFactoryRules`); this file proves the rule bites, and scans the sources for ways
 * around an import (a namespace or dynamic import).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const ROOT = join(__dirname, '..');
const FACTORY = 'temporal/encrypted.ts';
/** Starts a server only to download its binary, and stops it: no payload goes through it. */
const DOWNLOAD_ONLY = 'temporal/install.ts';

async function lint(code: string, filePath: string): Promise<string[]> {
  // @ts-expect-error -- the ESLint config is plain JavaScript
  const config = (await import('../eslint.config.mjs')) as {
    temporalFactoryRules: () => ESLint.ConfigData['rules'];
  };
  const eslint = new ESLint({
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser },
        plugins: { '@typescript-eslint': tseslint.plugin },
        rules: config.temporalFactoryRules(),
      },
    ],
  });
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.message);
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (['node_modules', '.git', '.data', '.tools', 'bench-results'].includes(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|js|mjs|cjs)$/.test(name) ? [path] : [];
  });
}

describe('every Temporal client and worker encrypts payloads', function () {
  this.timeout(60_000);

  it('refuses, outside the factory, value imports of what builds a client, worker or test server', async () => {
    for (const code of [
      "import { Client } from '@temporalio/client'; export const c = Client;",
      "import { WorkflowClient } from '@temporalio/client'; export const c = WorkflowClient;",
      "import { Worker } from '@temporalio/worker'; export const w = Worker;",
      "import { NativeConnection } from '@temporalio/worker'; export const n = NativeConnection;",
      "import { TestWorkflowEnvironment } from '@temporalio/testing'; export const t = TestWorkflowEnvironment;",
      "import * as sdk from '@temporalio/worker'; export const w = sdk;",
    ]) {
      const messages = await lint(code, 'gateway/example.ts');
      assert.ok(
        messages.some((m) => m.includes('temporal/encrypted.ts')),
        `expected a lint error for: ${code}`,
      );
    }
  });

  it('allows types, connections and the factory', async () => {
    const messages = await lint(
      [
        "import type { Client } from '@temporalio/client';",
        "import { Connection, type WorkflowHandle } from '@temporalio/client';",
        "import type { Worker } from '@temporalio/worker';",
        "import { createClient } from '../temporal/encrypted';",
        'export const x = [Connection, createClient] as unknown as [Client, Worker, WorkflowHandle];',
      ].join('\n'),
      'gateway/example.ts',
    );
    assert.deepEqual(messages, []);
  });

  it('finds no client, worker, test server or replayer built anywhere but the factory', () => {
    const builds =
      /new (Client|WorkflowClient|ScheduleClient)\(|Worker\.(create|runReplayHistor\w*)\(|TestWorkflowEnvironment\.create\w*\(|NativeConnection\.connect\(|import\(['"]@temporalio\/(worker|testing)['"]\)/;
    const found = sources(ROOT)
      .map((path) => relative(ROOT, path))
      .filter((path) => ![FACTORY, DOWNLOAD_ONLY, 'test/codec-everywhere.test.ts'].includes(path))
      .flatMap((path) =>
        readFileSync(join(ROOT, path), 'utf8')
          .split('\n')
          .flatMap((line, i) =>
            builds.test(line) && !line.includes("from 'pg'") ? [`${path}:${i + 1}: ${line.trim()}`] : [],
          ),
      )
      // node-postgres has a `Client` too.
      .filter((hit) => !/new Client\(\{ connectionString/.test(hit));
    assert.deepEqual(found, []);
  });
});
