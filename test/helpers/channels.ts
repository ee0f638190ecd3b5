/** Runs one channel activity on a real worker and Temporal server (test/workflows/run-channel.ts). */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createWorker } from '../../temporal/encrypted';
import { bundleWorkflows } from '../../temporal/bundle';
import { createActivities, type ActivityDeps } from '../../activities';
import type { DeliveryReceipt, SendInput } from '../../activities/message';
import type { NotificationInput, NotificationOutcome } from '../../activities/notification';
import type { Recipient } from '../../comms/directory';
import type { ChannelActivity, ChannelOutcome } from '../workflows/run-channel';
import { freshStatus } from './status';
import { uniqueTaskQueue } from './temporal';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

function channelBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflows(require.resolve('../workflows/run-channel'));
  return bundle;
}

export function runChannelActivity(
  env: TestWorkflowEnvironment,
  deps: ActivityDeps,
  activity: Exclude<ChannelActivity, 'deliverNotification'>,
  input: SendInput,
  maximumAttempts = 5,
): Promise<ChannelOutcome<DeliveryReceipt> & { workflowId: string }> {
  return run(env, deps, activity, input, maximumAttempts);
}

/** Runs deliverNotification (activities/notification.ts) the same way. */
export function runNotificationActivity(
  env: TestWorkflowEnvironment,
  deps: ActivityDeps,
  input: NotificationInput,
  maximumAttempts = 5,
): Promise<ChannelOutcome<NotificationOutcome> & { workflowId: string }> {
  return run(env, deps, 'deliverNotification', input, maximumAttempts);
}

async function run<R>(
  env: TestWorkflowEnvironment,
  deps: ActivityDeps,
  activity: ChannelActivity,
  input: SendInput | NotificationInput,
  maximumAttempts: number,
): Promise<ChannelOutcome<R> & { workflowId: string }> {
  const taskQueue = uniqueTaskQueue(activity);
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    activities: createActivities(deps),
    workflowBundle: await channelBundle(),
  });
  const workflowId = `${taskQueue}-wf`;
  const outcome = await worker.runUntil(
    env.client.workflow.execute('runChannel', {
      taskQueue,
      workflowId,
      args: [activity, input, maximumAttempts],
    }) as Promise<ChannelOutcome<R>>,
  );
  return { ...outcome, workflowId };
}

/** The retry delays the activity asked Temporal for (ApplicationFailure nextRetryDelay), from history. */
export async function requestedRetryDelaysMs(
  env: TestWorkflowEnvironment,
  workflowId: string,
): Promise<number[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const delay = e.activityTaskStartedEventAttributes?.lastFailure?.applicationFailureInfo?.nextRetryDelay;
    return delay ? [Number(delay.seconds ?? 0) * 1000 + Math.round((delay.nanos ?? 0) / 1e6)] : [];
  });
}

/** A send request as notify.ts makes it, for the shipped generic runbook. */
export function sendInput(recipient: Recipient, overrides: Partial<SendInput> = {}): SendInput {
  return {
    incidentId: 'lockout-channel-test',
    step: 'notify-ops',
    recipient,
    template: 'ops-technical-alert',
    status: {
      ...freshStatus({ id: 'generic-lockout', version: 1, title: 'Generic Salesforce integration lockout' }),
      incidentId: 'lockout-channel-test',
    },
    at: '2026-11-26T02:15:00.000Z',
    ...overrides,
  };
}
