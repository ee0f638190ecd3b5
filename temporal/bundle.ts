/** How workflow code is bundled: by workers at start, and ahead of them (tests, bench, simulation). */
import { join } from 'node:path';
import { tracingWorkflowModules } from '../lib/tracing';
import { bundleWorkflowCode, type BundleOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

/**
 * The pure modules the workflows run (zod, the runbook schema, clock and condition logic, the
 * checks of every signal and update). In the reusable V8 context every workflow evaluates its own
 * copy of each module it imports; preloaded modules are evaluated once and shared by all of them,
 * so an open incident costs its own state, not a copy of zod and every schema (2.4 MB per incident
 * without this). Never @temporalio/workflow or workflows/: only modules whose state no workflow can
 * see change.
 *
 * The worker deep-freezes what a shared module exports, and a zod schema writes to itself when it
 * first parses (caches of what any parse would compute again): a frozen schema throws. So a shared
 * module whose schemas workflows parse with (responder-input, review, spend-input) exports no
 * schema, only the `check*` functions that close over them. test/workflow-bundle.test.ts freezes
 * every shared module as the worker does and runs each check, and checks that the two lists cover
 * every domain module in the bundle.
 */
export const SHARED_DOMAIN_MODULES = [
  'alert',
  'alerts-resolved',
  'approvals',
  'clocks',
  'conditions',
  'deliveries',
  'duration',
  'escalation',
  'evaluate-condition',
  'expiry',
  'expiry-watch',
  'facts',
  'incident-actions',
  'incident-progress',
  'incident-reducers',
  'phase',
  'reach',
  'reclassification',
  'regions',
  'responder-input',
  'review',
  'runbook',
  'search-attributes',
  'spend-input',
  'spend-reducers',
  'timeline-fold',
  'urgency',
] as const;

/**
 * Modules whose exported zod schemas the other workflows parse with: crm-sync-record validates
 * each buffered write (crm-write), readiness each period action (high-risk-period). Their
 * schemas are exported for the gateway, CLI and client, so each of those workflows evaluates its
 * own copy, each schema built on first use (z.lazy).
 */
export const NOT_SHARED_DOMAIN_MODULES = ['crm-write', 'high-risk-period'] as const;

export const WORKFLOW_BUNDLER_OPTIONS = {
  // zod comes with them (listing it alone does nothing: webpack drops an unused side-effect-free require).
  preloadModules: [
    // First, so every stack after it is captured at its length.
    join(__dirname, 'workflow-stacks.ts'),
    ...SHARED_DOMAIN_MODULES.map((m) => join(__dirname, '..', 'domain', `${m}.ts`)),
  ],
} satisfies Partial<BundleOptions>;

/** Webpack's progress chatter is dropped; its errors still show. */
export const QUIET_BUNDLER_LOGGER = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta ?? ''),
};

/**
 * A bundle built ahead of its workers. It carries the failure converter that encrypts failure
 * messages (temporal/failure-converter.ts); a worker that bundles at start gets it from its data
 * converter instead (temporal/encrypted.ts). `tracing`: whether it carries the tracing
 * interceptors (default: when this process traces).
 */
export function bundleWorkflows(
  workflowsPath: string,
  options: { tracing?: boolean } = {},
): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    logger: QUIET_BUNDLER_LOGGER,
    failureConverterPath: require.resolve('./failure-converter'),
    // With tracing on, workflows carry its interceptors (a worker that bundles at start gets them from the plugin).
    workflowInterceptorModules: tracingWorkflowModules(options.tracing),
    ...WORKFLOW_BUNDLER_OPTIONS,
  });
}
