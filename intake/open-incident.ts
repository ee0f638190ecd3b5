/**
 * An alert opens an incident or joins the one already running for its fingerprint, in one
 * atomic signalWithStart: duplicates are counted by the workflow, never lost, never doubled.
 */
import type { Client } from '@temporalio/client';
import type { Alert } from '../domain/alert';
import type { IncidentInput } from '../domain/incident';
import type { Runbook } from '../domain/runbook';
import { selectRunbook } from '../domain/select-runbook';
import * as sa from '../domain/search-attributes';
import { alertSignal } from '../workflows/messages';
import { incidentIdFor } from './alerts';
import { factsFrom, resolveRunbook } from './resolve-runbook';

export interface IntakeOptions {
  client: Client;
  taskQueue: string;
  /** Read at each alert so a new incident gets the current definitions. */
  runbooks: () => readonly Runbook[];
  /** For tests and simulations (see IncidentInput.limits). */
  limits?: IncidentInput['limits'];
}

export interface IntakeResult {
  incidentId: string;
  runId: string;
  runbook: string;
}

export async function openOrJoinIncident(options: IntakeOptions, alert: Alert): Promise<IntakeResult> {
  const runbook = resolveRunbook(selectRunbook(options.runbooks(), alert.pattern));
  const incidentId = incidentIdFor(alert.fingerprint);
  const facts = factsFrom(alert, runbook);
  const input: IncidentInput = {
    incidentId,
    runbook,
    facts,
    detectedAt: alert.receivedAt,
    ...(options.limits ? { limits: options.limits } : {}),
  };
  const handle = await options.client.workflow.signalWithStart('lockoutIncident', {
    workflowId: incidentId,
    taskQueue: options.taskQueue,
    args: [input],
    signal: alertSignal,
    signalArgs: [alert],
    staticSummary: `${facts.severity} ${facts.pattern} lockout (${facts.region}): ${facts.title}`,
    staticDetails: `Runbook **${runbook.title}** (${runbook.id} v${runbook.version}). Source: ${facts.source}.`,
    typedSearchAttributes: [
      { key: sa.PATTERN, value: facts.pattern },
      { key: sa.SEVERITY, value: facts.severity },
      { key: sa.REGION, value: facts.region },
      { key: sa.PHASE, value: 'detected' },
      { key: sa.ESCALATION_LEVEL, value: 0 },
      { key: sa.EU_PERSONAL_DATA, value: facts.euPersonalData },
    ],
  });
  return { incidentId, runId: handle.signaledRunId, runbook: runbook.id };
}
