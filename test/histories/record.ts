/**
 * Records the event histories that the replay test replays. Run it when a workflow change is
 * meant to be visible to new incidents only, *before* making the change, so the histories of
 * today's code are kept:  npm run test:record-histories [-- --only <name>]
 *
 * Each scenario runs on the time-skipping server with the shipped runbooks and writes
 * test/histories/<name>.json. Existing files are kept unless --force is given: a history is a
 * promise that incidents started by that code keep replaying. Payloads are encrypted with the
 * fixture key ring (test/fixtures/codec/); histories recorded before encryption are plain JSON.
 */
import '../helpers/quiet-runtime';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Command } from 'commander';
import { loadConfig } from '../../config/env';
import { parseGenericAlert } from '../../intake/alerts';
import { runSimulation } from '../../simulation/run';
import type { Response } from '../../simulation/script';
import {
  acknowledgeUpdate,
  alertSignal,
  approveUpdate,
  reclassifyUpdate,
  recordReviewUpdate,
  resolveUpdate,
} from '../../workflows/messages';
import { createIncidentWorker } from '../../workers/worker';
import { HooksConfig } from '../../hooks/hooks-config';
import { testDeps, type TestDepsOverrides } from '../helpers/deps';
import { reviewOpen, sendAlert, shippedRunbooks } from '../helpers/incidents';
import { startMailCatcher } from '../helpers/mail';
import { startTimeSkippingTemporal, uniqueTaskQueue, workflowBundle } from '../helpers/temporal';
import { recordCrmSyncHistory } from './record-crm-sync';
import { recordReadinessHistory } from './record-readiness';
import { TEST_KEYS } from '../helpers/codec-keys';

/** The incident id, or the id and the run whose history to keep (a run that continued as new). */
type Scenario = (
  env: TestWorkflowEnvironment,
  client: Client,
  taskQueue: string,
) => Promise<string | { incidentId: string; runId: string }>;

const MIN = 60_000;

/** A shipped runbook run by the simulator (real workflow, messages rendered, remediation simulated). */
interface RunbookScenario {
  runbook: string;
  facts: Record<string, string>;
  responses: Response[];
}

/** A certificate-chain incident answered promptly: ack, both gates, two approvers, GDPR met, resolved. */
const CERTIFICATE_CHAIN_PROMPT: Response[] = [
  { at: 3 * MIN, kind: 'ack', by: 'ana' },
  { at: 5 * MIN, kind: 'approve', step: 'approve-checkout-fallback', by: 'ben' },
  { at: 10 * MIN, kind: 'approve', step: 'approve-rotation', by: 'ben' },
  { at: 11 * MIN, kind: 'approve', step: 'approve-rotation', by: 'ana' },
  { at: 12 * MIN, kind: 'approve', step: 'approve-rotation', by: 'dev' },
  { at: 40 * MIN, kind: 'approve', step: 'approve-checkout-restore', by: 'dev' },
  { at: 30 * 60 * MIN, kind: 'clock', clock: 'gdpr-art33', by: 'kemi' },
  { at: 120 * MIN, kind: 'resolve', by: 'ana' },
];
const EU = { region: 'eu', euPersonalData: 'true' };

export const RUNBOOK_SCENARIOS: Record<string, RunbookScenario> = {
  /** Approvals with quorum and two-person rule, journeys, remediation, containment, recovery, GDPR met. */
  'certificate-chain-prompt': { runbook: 'certificate-chain', facts: EU, responses: CERTIFICATE_CHAIN_PROMPT },
  /**
   * The same after the responder guards (patch responder-guards-v2), with an awareness time from
   * 40 days before the alert (refused): the time window, the two-person rule at decision time.
   */
  'certificate-chain-prompt-guarded': {
    runbook: 'certificate-chain',
    facts: EU,
    responses: [
      ...CERTIFICATE_CHAIN_PROMPT,
      { at: 4 * MIN, kind: 'aware', by: 'kemi', awareAt: -40 * 24 * 60 * MIN } as const,
    ].sort((a, b) => a.at - b.at),
  },
  /** The same again once clock timers move only with their deadline (patch clock-timer-on-deadline-change). */
  'certificate-chain-prompt-steady-timers': {
    runbook: 'certificate-chain',
    facts: EU,
    responses: CERTIFICATE_CHAIN_PROMPT,
  },
  /**
   * certificate-chain v2 (communications beside diagnostics), its branches able to hand over
   * (patch hand-over-inside-parallel). Ana acknowledged, so under the two-person rule at decision
   * time she no longer approves the rotation: ben and dev do.
   */
  'certificate-chain-v2-prompt': {
    runbook: 'certificate-chain',
    facts: EU,
    responses: CERTIFICATE_CHAIN_PROMPT.filter((r) => !(r.kind === 'approve' && r.by === 'ana')),
  },
  /**
   * The same once incidents publish their nearest deadline and approvers for the status page
   * (patch status-urgency-attributes).
   */
  'certificate-chain-v2-prompt-urgency': {
    runbook: 'certificate-chain',
    facts: EU,
    responses: CERTIFICATE_CHAIN_PROMPT.filter((r) => !(r.kind === 'approve' && r.by === 'ana')),
  },
  /** certificate-chain-prompt again, its payloads encrypted with the fixture keys (docs/privacy.md). */
  'codec-certificate-chain-prompt': { runbook: 'certificate-chain', facts: EU, responses: CERTIFICATE_CHAIN_PROMPT },
  /** Once escalation and clock timers stay when their watcher wakes early (patch watch-timers-kept). */
  'watch-timers-kept-certificate-chain-prompt': {
    runbook: 'certificate-chain',
    facts: EU,
    responses: CERTIFICATE_CHAIN_PROMPT,
  },
  /** Once audiences are resolved by local activities (patch resolve-audience-locally). */
  'audience-local-certificate-chain-prompt': {
    runbook: 'certificate-chain',
    facts: EU,
    responses: CERTIFICATE_CHAIN_PROMPT,
  },
  /** Nobody answers: every escalation level, approvals time out and escalate, gated steps skipped. */
  'token-expiry-unanswered': { runbook: 'token-expiry', facts: { region: 'us' }, responses: [] },
  /**
   * Lean lifecycle (patch lean-lifecycle): one marker for every earlier patch, search attributes
   * upserted when they change, each notification's first attempts in one activity.
   */
  'lean-certificate-chain-prompt': { runbook: 'certificate-chain', facts: EU, responses: CERTIFICATE_CHAIN_PROMPT },
  'lean-token-expiry-unanswered': { runbook: 'token-expiry', facts: { region: 'us' }, responses: [] },
  /** Lean lifecycle 2 (patch lean-lifecycle-2): the clocks go out with the first publish, one upsert. */
  'lean2-certificate-chain-prompt': { runbook: 'certificate-chain', facts: EU, responses: CERTIFICATE_CHAIN_PROMPT },
  /** Drift found, awareness corrected by legal, reopen, then restored and resolved. */
  'acl-misconfiguration-reopened': {
    runbook: 'acl-misconfiguration',
    facts: { region: 'eu', euPersonalData: 'true' },
    responses: [
      { at: 10 * MIN, kind: 'ack', by: 'ana' },
      { at: 30 * MIN, kind: 'reopen', by: 'ana' },
      { at: 50 * MIN, kind: 'ack', by: 'emil' },
      { at: 60 * MIN, kind: 'aware', awareAt: -20 * MIN, by: 'kemi' },
      { at: 70 * MIN, kind: 'approve', step: 'approve-restore-permissions', by: 'ben' },
      { at: 71 * MIN, kind: 'approve', step: 'approve-restore-permissions', by: 'dev' },
      { at: 4 * 60 * MIN, kind: 'resolve', by: 'emil' },
      { at: 70 * 60 * MIN, kind: 'clock', clock: 'gdpr-art33', by: 'kemi' },
    ],
  },
};

/** Generic runbook: duplicate alert, escalation to level 1, acknowledgement, resolution. */
const genericEscalatedThenResolved =
  (fingerprint: string): Scenario =>
  async (env, client, taskQueue) => {
    const alert = { title: 'Salesforce sync jobs denied', pattern: 'unclassified' as const, fingerprint };
    const { incidentId } = await sendAlert(client, taskQueue, alert);
    const handle = client.workflow.getHandle(incidentId);
    await handle.signal(alertSignal, parseGenericAlert(alert));
    await env.sleep('16m');
    await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'ben', note: 'looking at the integration user' }] });
    await env.sleep('10m');
    await handle.executeUpdate(resolveUpdate, { args: [{ by: 'ben', reason: 'permission set restored' }] });
    // Runbooks with a post-incident review (generic-lockout v4 on) stay open until it is recorded.
    await recordReviewIfAny(client, incidentId, 'generic-lockout', { by: 'dev', summary: 'integration user audited' });
    await handle.result();
    return incidentId;
  };

export const SCENARIOS: Record<string, Scenario> = {
  'generic-escalated-then-resolved': genericEscalatedThenResolved('replay-generic-1'),
  /** The same with every payload encrypted with the fixture keys (test/fixtures/codec/). */
  'codec-generic-escalated-then-resolved': genericEscalatedThenResolved('replay-codec-generic-1'),
  /** The same once escalation and clock timers stay when their watcher wakes early (patch watch-timers-kept). */
  'watch-timers-kept-generic-escalated-then-resolved': genericEscalatedThenResolved('replay-kept-generic-1'),
  /** The same once audiences are resolved by local activities (patch resolve-audience-locally), with its review. */
  'audience-local-generic-escalated-then-resolved': genericEscalatedThenResolved('replay-local-generic-1'),
  /** The same in a lean lifecycle (patch lean-lifecycle). */
  'lean-generic-escalated-then-resolved': genericEscalatedThenResolved('replay-lean-generic-1'),
  /** The same in lean lifecycle 2 (patch lean-lifecycle-2). */
  'lean2-generic-escalated-then-resolved': genericEscalatedThenResolved('replay-lean2-generic-1'),
  /**
   * An unclassified incident (generic-lockout) whose alert resolves at the source (patch
   * reclassify-alerts-resolved: recorded, owner told, resolution proposed), acknowledged, then
   * reclassified to token-expiry: the first run, which ends in the continue-as-new onto the new runbook.
   */
  'reclassify-unclassified-to-token-expiry': async (env, client, taskQueue) => {
    const alert = { title: 'Salesforce API calls failing', fingerprint: 'replay-reclassify-1' };
    const { incidentId, runId } = await sendAlert(client, taskQueue, alert);
    const handle = client.workflow.getHandle(incidentId);
    await env.sleep('3m');
    await handle.signal(alertSignal, parseGenericAlert({ ...alert, status: 'resolved' }));
    await env.sleep('2m');
    await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'ana' }] });
    await handle.executeUpdate(reclassifyUpdate, {
      args: [{ pattern: 'token-expiry', by: 'ana', reason: 'INVALID_SESSION_ID in custom_details.error' }],
    });
    for (let i = 0; i < 200 && (await handle.describe()).runId === runId; i++)
      await new Promise((r) => setTimeout(r, 100));
    return { incidentId, runId };
  },
  /**
   * ACL drift whose restore fails for good (Salesforce is not configured for this worker, so
   * assignPermissionSet refuses without retries): acknowledged, approved, the remediation fails,
   * verified still drifting, resolved by hand. Recorded before and after the patch
   * `runbooks-e2e-failed-step-attention` (a failed activity step needs attention and escalates).
   */
  'runbooks-e2e-acl-restore-failed': recordAclRestoreFailed,
  'runbooks-e2e-acl-restore-failed-attention': recordAclRestoreFailed,
  /** The same once a notify step counts only its own deliveries (patch runbooks-e2e-notify-own-deliveries). */
  'runbooks-e2e-acl-restore-failed-own-deliveries': recordAclRestoreFailed,
  /** The same in a lean lifecycle (patch lean-lifecycle). */
  'lean-runbooks-e2e-acl-restore-failed': recordAclRestoreFailed,
  /**
   * Audit-log failure whose pipeline restart reports failure (the hook script exits 1: a result
   * with ok: false, not an exception): acknowledged, approved, not contained, resolved by hand.
   * Recorded before and after the patch `runbooks-e2e-remediation-not-done-attention`.
   */
  'runbooks-e2e-audit-restart-not-done': recordAuditRestartNotDone,
  'runbooks-e2e-audit-restart-not-done-attention': recordAuditRestartNotDone,
  /** CRM sync buffer: writes held during a lockout, a duplicate, a rejected write, drained, idle end. */
  'crm-sync-lockout-drained': recordCrmSyncHistory,
  /** A high-risk period: rota check ahead, vendor pack approved, checks at its cadence, its end. */
  'readiness-period-reviewed': recordReadinessHistory,
  /** The same once the vendor pack's approvers are asked by email (patch vendor-pack-approvers-asked). */
  'readiness-period-approvers-asked': recordReadinessHistory,
};

/** Runbooks with a post-incident review stay open until it is recorded (histories from before had none). */
async function recordReviewIfAny(
  client: Client,
  incidentId: string,
  runbookId: string,
  review = { by: 'ana', summary: 'permissions drifted after a deploy' },
): Promise<void> {
  if (!shippedRunbooks().find((r) => r.id === runbookId)?.review) return;
  await reviewOpen(client, incidentId);
  await client.workflow.getHandle(incidentId).executeUpdate(recordReviewUpdate, { args: [review] });
}

async function recordAclRestoreFailed(env: TestWorkflowEnvironment, client: Client, taskQueue: string) {
  const alert = { title: 'Order sync denied', pattern: 'acl-misconfiguration' as const, fingerprint: 'replay-acl-failed' };
  const { incidentId } = await sendAlert(client, taskQueue, alert);
  const handle = client.workflow.getHandle(incidentId);
  await env.sleep('1m');
  await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'ana' }] });
  await env.sleep('2m');
  for (const by of ['ben', 'dev']) {
    await handle.executeUpdate(approveUpdate, { args: [{ step: 'approve-restore-permissions', by }] });
  }
  await env.sleep('30m');
  await handle.executeUpdate(resolveUpdate, { args: [{ by: 'ana', reason: 'permission set restored by hand' }] });
  await recordReviewIfAny(client, incidentId, 'acl-misconfiguration');
  await handle.result();
  return incidentId;
}

async function recordAuditRestartNotDone(env: TestWorkflowEnvironment, client: Client, taskQueue: string) {
  const alert = { title: 'Audit log shipping stopped', pattern: 'audit-log-failure' as const, fingerprint: 'replay-audit-1' };
  const { incidentId } = await sendAlert(client, taskQueue, alert);
  const handle = client.workflow.getHandle(incidentId);
  await env.sleep('1m');
  await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'ana' }] });
  await env.sleep('2m');
  await handle.executeUpdate(approveUpdate, { args: [{ step: 'approve-pipeline-restart', by: 'ben' }] });
  await env.sleep('30m');
  await handle.executeUpdate(resolveUpdate, { args: [{ by: 'ana', reason: 'pipeline restarted by hand' }] });
  await recordReviewIfAny(client, incidentId, 'audit-log-failure');
  await handle.result();
  return incidentId;
}

/** What some scenarios need beyond testDeps(mail): a pipeline-restart hook whose script exits 1. */
const SCENARIO_DEPS: Record<string, TestDepsOverrides> = {
  'runbooks-e2e-audit-restart-not-done': failingRestartHook(),
  'runbooks-e2e-audit-restart-not-done-attention': failingRestartHook(),
};

function failingRestartHook(): TestDepsOverrides {
  const hooks = HooksConfig.parse({
    hooks: {
      'restart-audit-pipeline': {
        description: 'Restart the audit-log pipeline (a hook script that fails)',
        kind: 'command',
        argv: [process.execPath, join(__dirname, '..', 'helpers', 'hook-command.js'), 'fail', '1'],
      },
    },
  });
  return { continuity: { hooks: () => hooks, allowedCommands: [process.execPath] } };
}

async function main(): Promise<void> {
  const opts = new Command('record-histories')
    .description('Record event histories of complete incidents into test/histories/ for the replay test')
    .option('--only <name>', `one scenario: ${[...Object.keys(SCENARIOS), ...Object.keys(RUNBOOK_SCENARIOS)].join(', ')}`)
    .option('--force', 'overwrite existing histories')
    .parse()
    .opts<{ only?: string; force?: boolean }>();
  const names = opts.only ? [opts.only] : [...Object.keys(SCENARIOS), ...Object.keys(RUNBOOK_SCENARIOS)];
  for (const name of names.filter((n) => RUNBOOK_SCENARIOS[n])) {
    const file = join(__dirname, `${name}.json`);
    if (existsSync(file) && !opts.force) {
      console.log(`${name}: kept (exists; --force overwrites)`);
      continue;
    }
    const scenario = RUNBOOK_SCENARIOS[name]!;
    const runbook = shippedRunbooks().find((r) => r.id === scenario.runbook);
    if (!runbook) throw new Error(`no shipped runbook "${scenario.runbook}"`);
    const result = await runSimulation({ config: loadConfig({}), runbook, facts: scenario.facts, responses: scenario.responses, captureHistory: true, keys: TEST_KEYS });
    writeFileSync(file, `${historyToJSON(result.history!)}\n`);
    console.log(`${name}: recorded ${result.history!.events?.length} events (${runbook.id} v${runbook.version})`);
  }
  if (names.every((n) => RUNBOOK_SCENARIOS[n])) return;
  const [env, mail] = await Promise.all([startTimeSkippingTemporal(), startMailCatcher()]);
  try {
    for (const name of names) {
      if (RUNBOOK_SCENARIOS[name]) continue;
      const scenario = SCENARIOS[name];
      if (!scenario) throw new Error(`unknown scenario "${name}"`);
      const file = join(__dirname, `${name}.json`);
      if (existsSync(file) && !opts.force) {
        console.log(`${name}: kept (exists; --force overwrites)`);
        continue;
      }
      const taskQueue = uniqueTaskQueue('record');
      const worker = await createIncidentWorker({
        connection: env.nativeConnection,
        namespace: 'default',
        taskQueue,
        deps: { ...testDeps(mail.url, SCENARIO_DEPS[name]), runbooks: () => shippedRunbooks() },
        workflowBundle: await workflowBundle(),
      });
      const recorded = await worker.runUntil(scenario(env, env.client, taskQueue));
      const { incidentId, runId } = typeof recorded === 'string' ? { incidentId: recorded, runId: undefined } : recorded;
      const history = await env.client.workflow.getHandle(incidentId, runId).fetchHistory();
      writeFileSync(file, `${historyToJSON(history)}\n`);
      console.log(`${name}: recorded ${history.events?.length} events`);
    }
  } finally {
    await env.teardown();
    await mail.close();
  }
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err);
    process.exit(1);
  });
}
