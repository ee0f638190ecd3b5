/**
 * The expiry watch's Temporal Schedule: one run of `expiryWatch` every `every` (watch.yaml).
 * Made or brought up to date by `npm start` and `npm run temporal:setup`; safe to repeat.
 * Overlapping runs are skipped, and after an outage only the latest missed run is taken.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
} from '@temporalio/client';
import { durationMs } from '../domain/duration';
import { EXPIRY_WATCH_WORKFLOW_TYPE } from './ids';

export const EXPIRY_WATCH_SCHEDULE_ID = 'lockout-expiry-watch';

export interface WatchScheduleOptions {
  taskQueue: string;
  /** Duration string from watch.yaml, e.g. `1h`. */
  every: string;
  scheduleId?: string;
}

function scheduleOptions(options: WatchScheduleOptions): ScheduleOptions {
  const scheduleId = options.scheduleId ?? EXPIRY_WATCH_SCHEDULE_ID;
  return {
    scheduleId,
    spec: { intervals: [{ every: durationMs(options.every) }] },
    action: {
      type: 'startWorkflow',
      workflowType: EXPIRY_WATCH_WORKFLOW_TYPE,
      workflowId: `${scheduleId}-run`,
      taskQueue: options.taskQueue,
      workflowExecutionTimeout: '30m',
      staticSummary: 'Expiry watch: TLS certificate chains and credentials of the integration',
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: durationMs(options.every) },
    state: { note: `every ${options.every}; configured in watch.yaml` },
  };
}

/** Creates the schedule, or updates it to the current interval and task queue. */
export async function ensureExpiryWatchSchedule(
  client: Client,
  options: WatchScheduleOptions,
): Promise<'created' | 'updated'> {
  const wanted = scheduleOptions(options);
  try {
    await client.schedule.create(wanted);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(wanted.scheduleId).update((previous) => ({
    ...previous,
    spec: wanted.spec,
    action: wanted.action,
    policies: { ...previous.policies, ...wanted.policies },
    state: { ...previous.state, note: wanted.state?.note },
  }));
  return 'updated';
}
