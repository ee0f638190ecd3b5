/**
 * The crisis budget watch's Temporal Schedule: one run of `crisisBudgetWatch` every `every`
 * (config/crisis-budget.yaml, `watchEvery`). Made or brought up to date by `npm start`; safe to
 * repeat. Overlapping runs are skipped; after an outage only the latest missed run is taken.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
} from '@temporalio/client';
import { durationMs } from '../domain/duration';
import { BUDGET_WATCH_WORKFLOW_TYPE } from './ids';

export const BUDGET_WATCH_SCHEDULE_ID = 'lockout-crisis-budget-watch';

export async function ensureBudgetWatchSchedule(
  client: Client,
  options: { taskQueue: string; every: string; scheduleId?: string },
): Promise<'created' | 'updated'> {
  const scheduleId = options.scheduleId ?? BUDGET_WATCH_SCHEDULE_ID;
  const wanted: ScheduleOptions = {
    scheduleId,
    spec: { intervals: [{ every: durationMs(options.every) }] },
    action: {
      type: 'startWorkflow',
      workflowType: BUDGET_WATCH_WORKFLOW_TYPE,
      workflowId: `${scheduleId}-run`,
      taskQueue: options.taskQueue,
      workflowExecutionTimeout: '10m',
      staticSummary: 'Crisis budget watch: warn at the warning share, ask before going over',
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: durationMs(options.every) },
    state: { note: `every ${options.every}; configured in crisis-budget.yaml (watchEvery)` },
  };
  try {
    await client.schedule.create(wanted);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(scheduleId).update((previous) => ({
    ...previous,
    spec: wanted.spec,
    action: wanted.action,
    policies: { ...previous.policies, ...wanted.policies },
    state: { ...previous.state, note: wanted.state?.note },
  }));
  return 'updated';
}
