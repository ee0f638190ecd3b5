/**
 * Where the time to the first notification goes, read from the incident's history: every
 * stretch between the alert's POST and the SMTP server's acceptance is put down to what was
 * pending then (the gateway and intake until the workflow started, a workflow task waiting for a
 * worker or running on one, or the activity scheduled last and not yet completed). The stretches add up to the whole latency.
 */
import type { temporal } from '@temporalio/proto';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal as proto } from '@temporalio/proto';
import { distribution, type Distribution } from './stats';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const T = proto.api.enums.v1.EventType;

/** Milliseconds per hop of one incident, by hop name, in the order the hops first appear. */
export function hopsOf(events: HistoryEvent[], postedAt: number, notifiedAt: number): Map<string, number> {
  const hops = new Map<string, number>();
  const add = (hop: string, ms: number) => hops.set(hop, (hops.get(hop) ?? 0) + Math.max(ms, 0));
  const activities = new Map<number, string>(); // scheduled event id → activity type, while pending
  let task: 'queued' | 'running' | undefined;
  let started = false;
  let last = postedAt;
  const pendingHop = () => {
    if (!started) return 'gateway and intake';
    if (activities.size) return [...activities.values()].at(-1)!;
    return task ? `workflow task ${task}` : 'waiting';
  };
  for (const event of events) {
    const at = tsToMs(event.eventTime);
    if (at > notifiedAt) break;
    add(pendingHop(), at - last);
    last = Math.max(last, at);
    const id = Number(event.eventId);
    switch (event.eventType) {
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        started = true;
        break;
      case T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        task = 'queued';
        break;
      case T.EVENT_TYPE_WORKFLOW_TASK_STARTED:
        task = 'running';
        break;
      case T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
      case T.EVENT_TYPE_WORKFLOW_TASK_FAILED:
      case T.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
        task = undefined;
        break;
      case T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        activities.set(id, event.activityTaskScheduledEventAttributes?.activityType?.name ?? 'activity');
        break;
      case T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        activities.delete(Number(event.activityTaskCompletedEventAttributes?.scheduledEventId));
        break;
      case T.EVENT_TYPE_ACTIVITY_TASK_FAILED:
        activities.delete(Number(event.activityTaskFailedEventAttributes?.scheduledEventId));
        break;
      case T.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
        activities.delete(Number(event.activityTaskTimedOutEventAttributes?.scheduledEventId));
        break;
    }
  }
  add(pendingHop(), notifiedAt - last);
  return hops;
}

export interface HopSummary {
  hop: string;
  /** Per incident; an incident without the hop counts 0. */
  ms: Distribution;
}

/** Each hop's distribution over the incidents, the hops in the order they first appear. */
export function summariseHops(perIncident: Map<string, number>[]): HopSummary[] {
  const names = [...new Set(perIncident.flatMap((h) => [...h.keys()]))];
  return names.map((hop) => ({ hop, ms: distribution(perIncident.map((h) => h.get(hop) ?? 0)) }));
}
