/**
 * Temporal Cloud billable Actions of one workflow execution, estimated from its event history as
 * Temporal documents it (https://docs.temporal.io/cloud/actions). Queries, heartbeats and
 * rejected updates leave no event, so they are not in this count: each `lockout status` or Web UI
 * view of an incident adds one Action (a query) on top.
 */
import { temporal } from '@temporalio/proto';

const E = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface ActionCount {
  total: number;
  /** Actions by kind, e.g. { 'activity scheduled': 3, timer: 2 }. */
  byKind: Record<string, number>;
  /** History events, billable or not (history size drives storage, not Actions). */
  events: number;
}

export interface CountOptions {
  /**
   * The execution was started by signalWithStart: its start and first signal are one Action
   * ("one total action occurs for any Signal-With-Start, regardless of whether the Workflow starts").
   */
  signalWithStart: boolean;
}

const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

function onlyChangeVersion(event: HistoryEvent): boolean {
  const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {};
  const keys = Object.keys(fields);
  return keys.length > 0 && keys.every((k) => k === 'TemporalChangeVersion');
}

export function countBillableActions(events: readonly HistoryEvent[], options: CountOptions): ActionCount {
  const byKind: Record<string, number> = {};
  const add = (kind: string, n = 1) => {
    if (n > 0) byKind[kind] = (byKind[kind] ?? 0) + n;
  };
  let firstSignalIsStart = options.signalWithStart;
  const localActivityTasks = new Set<string>();

  for (const event of events) {
    switch (event.eventType) {
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        add(options.signalWithStart ? 'signal-with-start' : 'workflow started');
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        if (firstSignalIsStart)
          firstSignalIsStart = false; // counted with the start
        else add('signal');
        break;
      case E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        add('activity scheduled');
        break;
      case E.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        add('activity retry', (event.activityTaskStartedEventAttributes?.attempt ?? 1) - 1);
        break;
      case E.EVENT_TYPE_TIMER_STARTED:
        add('timer');
        break;
      case E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        if (!onlyChangeVersion(event)) add('search attribute upsert');
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        add('update');
        break;
      case E.EVENT_TYPE_MARKER_RECORDED: {
        const attrs = event.markerRecordedEventAttributes;
        // All local activities of one workflow task are one Action.
        if (attrs?.markerName === LOCAL_ACTIVITY_MARKER)
          localActivityTasks.add(String(attrs.workflowTaskCompletedEventId ?? event.eventId));
        break;
      }
      case E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        add('child workflow', 2);
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
        add('continue-as-new');
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED:
        add('options updated');
        break;
      case E.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED:
      case E.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED:
        add('nexus operation');
        break;
      default:
        break;
    }
  }
  add('local activities', localActivityTasks.size);
  const total = Object.values(byKind).reduce((sum, n) => sum + n, 0);
  return { total, byKind, events: events.length };
}
