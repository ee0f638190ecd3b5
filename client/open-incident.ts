/**
 * An alert opens an incident or joins the one already running for its fingerprint, in one
 * atomic signalWithStart: duplicates are counted by the workflow, never lost, never doubled. An
 * incident this intake already saw running gets its next alerts as plain signals to that run
 * (client/running-incidents.ts), those that arrive together as one (client/alert-batches.ts),
 * falling back to the signalWithStart when the run has ended.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Alert } from '../domain/alert';
import type { IncidentFacts, IncidentInput } from '../domain/incident';
import type { Runbook } from '../domain/runbook';
import * as sa from '../domain/search-attributes';
import type { AlertBatches } from './alert-batches';
import type { RunningIncidents } from './running-incidents';
import type { StartOutcomes } from './start-outcomes';
import type { ActivePeriod } from './periods';
import { parseDuration } from '../domain/duration';
import { alertSignal, alertsSignal } from '../workflows/messages';
import { chooseRunbook } from '../intake/choose-runbook';
import { incidentIdFor, INCIDENT_WORKFLOW_TYPE } from './ids';
import { factsFrom, resolveRunbook } from './resolve-runbook';

export interface IntakeOptions {
  client: Client;
  taskQueue: string;
  /** Read at each alert so a new incident gets the current definitions. */
  runbooks: () => readonly Runbook[];
  /** Tells opened from joined; needs its interceptor on the client's connection. */
  starts?: StartOutcomes;
  /**
   * How long to keep trying Temporal (default 8 s): long enough to ride out a blip, short enough
   * that a sender hears "503, retry" before its own timeout (Datadog gives up after 15 s).
   */
  timeoutMs?: number;
  /** For tests and simulations (see IncidentInput.limits). */
  limits?: IncidentInput['limits'];
  /**
   * High-risk periods under way (client/periods.ts): a new incident is marked with their ids and
   * takes the shortest acknowledgement window among them.
   */
  activePeriods?: () => Promise<ActivePeriod[]>;
  /** Runs this intake saw running: their next alerts go as plain signals (client/running-incidents.ts). */
  running?: RunningIncidents;
  /** Alerts for a run that queue behind a signal in flight go together (client/alert-batches.ts). */
  batches?: AlertBatches;
}

const DEFAULT_TIMEOUT_MS = 8_000;

function deadlineFor(options: IntakeOptions): number {
  return Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
}

function withinTimeout<T>(options: IntakeOptions, call: () => Promise<T>): Promise<T> {
  return options.client.connection.withDeadline(deadlineFor(options), call);
}

export interface IntakeResult {
  incidentId: string;
  runId: string;
  runbook: string;
  /** true: this alert opened the incident; false: it joined a running one; absent: unknown. */
  opened?: boolean;
  /** Something the sender's operator should know, e.g. a missing runbook. */
  note?: string;
}

export interface OpenOptions {
  /** Run this runbook (a classification rule named it) instead of the pattern's. */
  runbookId?: string;
}

export async function openOrJoinIncident(
  options: IntakeOptions,
  alert: Alert,
  open: OpenOptions = {},
): Promise<IntakeResult> {
  const incidentId = incidentIdFor(alert.fingerprint);
  const running = options.running?.get(incidentId);
  if (running) {
    try {
      const handle = options.client.workflow.getHandle(incidentId, running.runId);
      const sendAlerts = (alerts: Alert[], deadline: number) =>
        options.client.connection.withDeadline(deadline, () =>
          alerts.length === 1 ? handle.signal(alertSignal, alerts[0]!) : handle.signal(alertsSignal, alerts),
        );
      const deadline = deadlineFor(options);
      await (options.batches
        ? options.batches.send(`${incidentId}/${running.runId}`, alert, deadline, sendAlerts)
        : sendAlerts([alert], deadline));
      return { incidentId, opened: false, ...running };
    } catch (err) {
      // That run has ended: the signalWithStart below opens the incident again, or joins its new run.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      options.running?.forget(incidentId);
    }
  }
  const result = await signalWithStartIncident(options, alert, incidentId, open);
  options.running?.remember(incidentId, {
    runId: result.runId,
    runbook: result.runbook,
    ...(result.note ? { note: result.note } : {}),
  });
  return result;
}

async function signalWithStartIncident(
  options: IntakeOptions,
  alert: Alert,
  incidentId: string,
  open: OpenOptions,
): Promise<IntakeResult> {
  const choice = chooseRunbook(options.runbooks(), alert.pattern, open.runbookId);
  const runbook = resolveRunbook(choice.runbook);
  const { note } = choice;
  const { facts, acknowledgeWithin } = await duringPeriods(options, factsFrom(alert, runbook));
  const input: IncidentInput = {
    incidentId,
    runbook,
    facts,
    detectedAt: alert.receivedAt,
    ...(acknowledgeWithin ? { acknowledgeWithin } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  };
  const signalWithStart = () =>
    options.client.workflow.signalWithStart(INCIDENT_WORKFLOW_TYPE, {
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
        { key: sa.PENDING_APPROVALS, value: 0 },
      ],
    });
  const { result: handle, started } = await withinTimeout(options, () =>
    options.starts
      ? options.starts.track(options.client.connection, signalWithStart)
      : signalWithStart().then((result) => ({ result, started: undefined })),
  );
  return {
    incidentId,
    runId: handle.signaledRunId,
    runbook: runbook.id,
    ...(started === undefined ? {} : { opened: started }),
    ...(note ? { note } : {}),
  };
}

export type JoinResult =
  { incidentId: string; running: true } | { incidentId: string; running: false; note: string };

/**
 * An acknowledged or resolved alert joins the running incident for its fingerprint, and never
 * starts one: with no incident running, nothing happens and the note says so.
 */
export async function joinRunningIncident(options: IntakeOptions, alert: Alert): Promise<JoinResult> {
  const incidentId = incidentIdFor(alert.fingerprint);
  try {
    await withinTimeout(options, () =>
      options.client.workflow.getHandle(incidentId).signal(alertSignal, alert),
    );
    return { incidentId, running: true };
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    return {
      incidentId,
      running: false,
      note: `no running incident for this fingerprint: the ${alert.status} alert was not recorded and nothing was started`,
    };
  }
}

/**
 * An incident opened during a high-risk period carries the label `high-risk-period` (the periods'
 * ids): runbook conditions, the status and the report see it; and the shortest acknowledgement
 * window the periods set. Best effort: an alert is never held up or refused because the periods
 * cannot be listed.
 */
async function duringPeriods(
  options: IntakeOptions,
  facts: IncidentFacts,
): Promise<{ facts: IncidentFacts; acknowledgeWithin?: string }> {
  let periods: ActivePeriod[];
  try {
    periods = (await options.activePeriods?.()) ?? [];
  } catch {
    periods = [];
  }
  if (!periods.length) return { facts };
  // A window that is not a duration is left out here; the workflow would ignore it anyway.
  const windows = periods.flatMap((p) => {
    const parsed = p.acknowledgeWithin ? parseDuration(p.acknowledgeWithin) : undefined;
    return parsed && !('error' in parsed) ? [{ text: p.acknowledgeWithin!, ms: parsed.ms }] : [];
  });
  const shortest = windows.sort((a, b) => a.ms - b.ms)[0]?.text;
  return {
    facts: { ...facts, labels: { ...facts.labels, 'high-risk-period': periods.map((p) => p.id).join(',') } },
    ...(shortest ? { acknowledgeWithin: shortest } : {}),
  };
}
