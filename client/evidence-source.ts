/**
 * The history reader: what an incident's evidence pack is built from, read through the client.
 * Its workflow history holds the runbook (the start input), every alert signal as received and
 * every responder action as it arrived (signal or update, with the incident's answer); the
 * status comes from the `status` query while the incident runs and from the workflow's result
 * once it has completed. Continue-as-new runs are followed back to the first.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { tsToDate } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { Alert } from '../domain/alert';
import type { EvidenceSource, HistoryAction, ReceivedAlert } from '../domain/evidence';
import type { IncidentInput, IncidentStatus } from '../domain/incident';
import { RESPONDER_ACTION_NAMES } from '../domain/incident-actions';
import { unfoldTimeline } from '../domain/timeline-fold';
import { statusQuery } from '../workflows/messages';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

export class EvidenceUnavailable extends Error {}

const when = (event: HistoryEvent) => tsToDate(event.eventTime!).toISOString();

interface RunRead {
  runId: string;
  events: HistoryEvent[];
  input?: IncidentInput;
  previousRunId?: string;
}

async function readRun(client: Client, incidentId: string, runId?: string): Promise<RunRead> {
  const handle = client.workflow.getHandle(incidentId, runId);
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  const [input] = started
    ? ((await decodeArrayFromPayloads(client.options.loadedDataConverter, started.input?.payloads)) as [
        IncidentInput,
      ])
    : [];
  return {
    runId: runId ?? started?.originalExecutionRunId ?? '',
    events,
    input,
    previousRunId: started?.continuedExecutionRunId || undefined,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Alerts and responder actions of one run, in history order. */
async function readEvents(
  client: Client,
  events: HistoryEvent[],
): Promise<{ alerts: ReceivedAlert[]; actions: HistoryAction[] }> {
  const decode = (payloads?: temporal.api.common.v1.IPayload[] | null) =>
    decodeArrayFromPayloads(client.options.loadedDataConverter, payloads);
  const names = new Set<string>(RESPONDER_ACTION_NAMES);
  const alerts: ReceivedAlert[] = [];
  const actions: HistoryAction[] = [];
  const updates = new Map<string, HistoryAction>();
  for (const event of events) {
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) {
      const { signalName, input } = event.workflowExecutionSignaledEventAttributes!;
      const [arg] = await decode(input?.payloads);
      if (signalName === 'alert' && isObject(arg))
        alerts.push({ at: when(event), alert: arg as unknown as Alert });
      else if (signalName === 'alerts' && Array.isArray(arg)) {
        // Alerts that arrived together (client/alert-batches.ts): each is one alert received.
        for (const one of arg)
          if (isObject(one)) alerts.push({ at: when(event), alert: one as unknown as Alert });
      } else if (signalName && names.has(signalName))
        actions.push({
          at: when(event),
          action: signalName,
          as: 'signal',
          input: isObject(arg) ? arg : {},
        });
    } else if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED) {
      const request = event.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest;
      const name = request?.input?.name;
      if (!name || !names.has(name)) continue;
      const [arg] = await decode(request?.input?.args?.payloads);
      const action: HistoryAction = {
        at: when(event),
        action: name,
        as: 'update',
        input: isObject(arg) ? arg : {},
      };
      actions.push(action);
      updates.set(request?.meta?.updateId ?? '', action);
    } else if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED) {
      const attrs = event.workflowExecutionUpdateCompletedEventAttributes!;
      const action = updates.get(attrs.meta?.updateId ?? '');
      if (!action) continue;
      if (attrs.outcome?.failure)
        action.outcome = {
          accepted: false,
          reason: (attrs.outcome.failure.message ?? '').replace(/^refused: /, ''),
        };
      else {
        const [message] = await decode(attrs.outcome?.success?.payloads);
        action.outcome = { accepted: true, message: String(message) };
      }
    }
  }
  return { alerts, actions };
}

/** Everything the pack of `incidentId` is built from, for a running or a closed incident. */
export async function readEvidenceSource(client: Client, incidentId: string): Promise<EvidenceSource> {
  const handle = client.workflow.getHandle(incidentId);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new EvidenceUnavailable(
        `there is no incident ${incidentId} (or its history has expired: archived packs are in the evidence store)`,
      );
    throw err;
  }
  const execution = description.status.name.toLowerCase();

  // The latest run first, then back through continue-as-new to the first.
  const runs: RunRead[] = [await readRun(client, incidentId, description.runId)];
  while (runs.at(-1)!.previousRunId) runs.push(await readRun(client, incidentId, runs.at(-1)!.previousRunId));
  runs.reverse();

  const alerts: ReceivedAlert[] = [];
  const actions: HistoryAction[] = [];
  for (const run of runs) {
    const read = await readEvents(client, run.events);
    alerts.push(...read.alerts);
    actions.push(...read.actions);
  }

  let status: IncidentStatus;
  const latest = runs.at(-1)!;
  if (execution === 'running') status = await handle.query(statusQuery);
  else {
    const completed = latest.events.at(-1)?.workflowExecutionCompletedEventAttributes;
    const [result] = completed
      ? ((await decodeArrayFromPayloads(client.options.loadedDataConverter, completed.result?.payloads)) as [
          IncidentStatus,
        ])
      : [];
    const carried = latest.input?.carried?.status;
    if (!result && !carried)
      throw new EvidenceUnavailable(
        `incident ${incidentId} ended ${execution} without a final status: no pack can be built`,
      );
    status = result ?? carried!;
  }
  // A long incident carries only its latest entries; the earlier ones are in full in the start
  // input of the run that folded them.
  const { timeline, missing } = unfoldTimeline([
    ...runs.map((run) => run.input?.carried?.status.timeline ?? []),
    status.timeline,
  ]);
  // Folding only entries a run received rules this out; should a history be cut short, say so.
  const gap = missing > 0 && {
    at: timeline[0]?.at ?? status.detectedAt,
    kind: 'attention' as const,
    summary: `${missing} earlier timeline entries could not be read back from the incident's history`,
  };
  return {
    status: { ...status, timeline: gap ? [gap, ...timeline] : timeline },
    runbook: runs[0]?.input?.runbook ?? latest.input?.runbook,
    execution,
    ...(description.closeTime ? { closedAt: description.closeTime.toISOString() } : {}),
    runs: runs.length,
    alerts,
    actions,
  };
}
