// @ts-check
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// Workflow code is replayed: it must not reach Node, the network, the disk or the clock.
// `domain/` is imported by workflows, so the same rule holds there.
const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);
const ioPackages = [
  '@temporalio/activity',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/testing',
  'nodemailer',
  'twilio',
  'jsforce',
  'fastify',
  'pino',
  'smtp-server',
  'mailparser',
  'yaml',
  'handlebars',
  'commander',
  'playwright-core',
  'prom-client',
];

/** The one module that builds Temporal clients, workers and test servers (with the payload codec). */
export const TEMPORAL_FACTORY = 'temporal/encrypted.ts';

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', '.tools/', 'bench-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: [
            '*.mjs',
            '.dependency-cruiser.cjs',
            'bin/*.js',
            'docker/*.cjs',
            'test/helpers/*.js',
          ],
        },
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'object-shorthand': ['error', 'always'],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
  },
  {
    // The status page's browser script (served as is, no build step).
    files: ['status-page/pages/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: 'module',
      parserOptions: { projectService: false, project: false },
      globals: {
        document: 'readonly',
        fetch: 'readonly',
        Node: 'readonly',
        setInterval: 'readonly',
        URLSearchParams: 'readonly',
        location: 'readonly',
        history: 'readonly',
        window: 'readonly',
      },
    },
  },
  // Clients, workers and test servers only from temporal/encrypted.ts: none without the codec.
  { files: ['**/*.ts'], ignores: [TEMPORAL_FACTORY], rules: temporalFactoryRules() },
  { files: ['workflows/**/*.ts', 'domain/**/*.ts', 'bench/workflows.ts'], rules: workflowRules() },
  prettier,
);

/**
 * Value imports of what builds a client, a worker or a test server are refused outside
 * TEMPORAL_FACTORY, so every one of them encrypts payloads (docs/privacy.md). Types are fine.
 * Exported so a test can prove the rule bites.
 */
export function temporalFactoryRules() {
  const message = `build it with ${TEMPORAL_FACTORY} (createClient, connectWorkers/createWorker, startTestEnvironment, replayHistories), which adds the payload codec.`;
  return {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: [
          { name: '@temporalio/client', importNames: ['Client', 'WorkflowClient', 'ScheduleClient'] },
          { name: '@temporalio/worker', importNames: ['Worker', 'NativeConnection'] },
          { name: '@temporalio/testing', importNames: ['TestWorkflowEnvironment'] },
        ].map((path) => ({ ...path, message, allowTypeImports: true })),
      },
    ],
  };
}

/** The determinism rules for workflow code; exported so a test can prove they bite. */
export function workflowRules() {
  return {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: [...nodeBuiltins, ...ioPackages].map((name) => ({
          name,
          message: 'workflow code must be deterministic: do I/O in an activity (activities/).',
          allowTypeImports: true,
        })),
        patterns: [
          { group: ['node:*'], message: 'workflow code must not import Node built-ins.' },
          {
            group: ['**/activities', '**/activities/*'],
            message: 'workflows call activities through proxyActivities, importing their types only.',
            allowTypeImports: true,
          },
          {
            group: [
              '**/lib/*',
              '**/config/*',
              '**/comms/*',
              '**/intake/*',
              '**/links/*',
              '**/journeys/*',
              '**/hooks/*',
              '**/expiry/*',
              '**/temporal/*',
              '**/salesforce/*',
              '**/client/*',
              '**/workers/*',
              '**/status-page/*',
              '**/simulation/*',
              '**/gateway/*',
              '**/cli/*',
              '**/app/*',
            ],
            message: 'only domain/ (pure code) may be imported by value into workflow code.',
            allowTypeImports: true,
          },
        ],
      },
    ],
    'no-restricted-globals': [
      'error',
      { name: 'process', message: 'workflow code must not read the environment.' },
      { name: 'require', message: 'workflow code must not load modules dynamically.' },
    ],
  };
}
