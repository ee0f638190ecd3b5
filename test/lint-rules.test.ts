import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

/** The determinism rules really reject what replay cannot survive. */
describe('lint rules for workflow code', () => {
  async function lintWorkflow(code: string): Promise<string[]> {
    // @ts-expect-error -- the ESLint config is plain JavaScript
    const config = (await import('../eslint.config.mjs')) as {
      workflowRules: () => ESLint.ConfigData['rules'];
    };
    const { workflowRules } = config;
    const eslint = new ESLint({
      overrideConfigFile: true,
      overrideConfig: [
        {
          files: ['**/*.ts'],
          languageOptions: { parser: tseslint.parser },
          plugins: { '@typescript-eslint': tseslint.plugin },
          rules: workflowRules(),
        },
      ],
    });
    const [result] = await eslint.lintText(code, { filePath: 'workflows/example.ts' });
    return result!.messages.map((m) => m.message);
  }

  it('bans Node built-ins, I/O packages, activity values and process', async () => {
    for (const code of [
      "import { readFileSync } from 'node:fs';",
      "import * as fs from 'fs';",
      "import nodemailer from 'nodemailer';",
      "import { Connection } from '@temporalio/client';",
      "import { createActivities } from '../activities';",
      "import { loadDirectory } from '../comms/directory';",
      'export const env = process.env.HOME;',
    ]) {
      const messages = await lintWorkflow(code);
      assert.ok(messages.length > 0, `expected a lint error for: ${code}`);
    }
  });

  it('allows the workflow SDK, pure domain modules and type-only imports', async () => {
    const messages = await lintWorkflow(
      [
        "import { sleep } from '@temporalio/workflow';",
        "import { durationMs } from '../domain/duration';",
        "import type { Activities } from '../activities';",
        "import type { Recipient } from '../comms/directory';",
        'export const x = [sleep, durationMs] as unknown as [Activities, Recipient];',
      ].join('\n'),
    );
    assert.deepEqual(messages, []);
  });
});
