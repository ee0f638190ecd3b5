/**
 * The status page's operational health panel: a list of named checks, each answering ok or not
 * with one line of detail. Built in: Temporal reachable, workers polling the task queues, the
 * expiry watch's last findings (certificates and tokens nearing expiry), journeys in fallback.
 * Other modules plug in their own (Salesforce reachability and API limits: SALESFORCE_HEALTH_SLOT).
 */
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { EXPIRY_WATCH_SCHEDULE_ID } from '../client/expiry-watch-schedule';
import { formatDuration } from '../domain/duration';
import type { ExpiryWatchReport } from '../domain/expiry-watch';
import type { JourneyModes } from '../domain/journeys';
import { fileJourneyModes } from '../journeys/journeys-file';

export interface HealthResult {
  ok: boolean;
  detail: string;
  /** `warning`: working, but look (e.g. a certificate expiring in 40 h); `not-configured`: nothing to check. */
  note?: 'warning' | 'not-configured';
}

export interface HealthCheck {
  name: string;
  check(): Promise<HealthResult>;
}

export interface HealthRow extends HealthResult {
  name: string;
}

/** Runs every check at once, each within `timeoutMs`; a check that throws or hangs is not ok. */
export async function runHealthChecks(
  checks: readonly HealthCheck[],
  timeoutMs = 5_000,
): Promise<HealthRow[]> {
  return Promise.all(
    checks.map(async ({ name, check }) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<HealthResult>((resolve) => {
        timer = setTimeout(
          () => resolve({ ok: false, detail: `no answer within ${timeoutMs / 1000}s` }),
          timeoutMs,
        );
      });
      try {
        return { name, ...(await Promise.race([check(), timeout])) };
      } catch (err) {
        return { name, ok: false, detail: (err as Error).message.split('\n')[0] ?? 'failed' };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

/** The same answer for `ttlMs`: many open pages poll, Temporal is asked once. */
export function cachedHealth(checks: readonly HealthCheck[], ttlMs = 10_000): () => Promise<HealthRow[]> {
  let last: { at: number; rows: Promise<HealthRow[]> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > ttlMs) last = { at: Date.now(), rows: runHealthChecks(checks) };
    return last.rows;
  };
}

export function temporalHealth(client: Client): HealthCheck {
  return {
    name: 'Temporal',
    async check() {
      const info = await client.workflowService.getSystemInfo({});
      return { ok: true, detail: `reachable (server ${info.serverVersion || 'unknown version'})` };
    },
  };
}

/** A worker polled within this long counts as alive (pollers long-poll for about a minute). */
const POLLER_FRESH_MS = 3 * 60_000;

export function workerHealth(client: Client, namespace: string, taskQueue: string): HealthCheck {
  const { TaskQueueType } = temporal.api.enums.v1;
  return {
    name: `Workers on ${taskQueue}`,
    async check() {
      const kinds = [
        ['workflow', TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW],
        ['activity', TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY],
      ] as const;
      const counts = await Promise.all(
        kinds.map(async ([label, taskQueueType]) => {
          const { pollers } = await client.workflowService.describeTaskQueue({
            namespace,
            taskQueue: { name: taskQueue },
            taskQueueType,
          });
          const fresh = pollers.filter((p) => {
            const seconds = Number(p.lastAccessTime?.seconds ?? 0);
            return Date.now() - seconds * 1000 < POLLER_FRESH_MS;
          });
          return { label, count: new Set(fresh.map((p) => p.identity)).size };
        }),
      );
      const missing = counts.filter((c) => c.count === 0).map((c) => c.label);
      return {
        ok: missing.length === 0,
        detail: missing.length
          ? `nobody polls for ${missing.join(' and ')} tasks: incidents are not moving`
          : counts.map((c) => `${c.count} ${c.label} poller(s)`).join(', '),
      };
    },
  };
}

/** What the latest expiry watch run found: certificates and tokens expiring or invalid. */
export function expiryWatchHealth(client: Client, scheduleId = EXPIRY_WATCH_SCHEDULE_ID): HealthCheck {
  return {
    name: 'Certificates and tokens',
    async check() {
      let info;
      try {
        ({ info } = await client.schedule.getHandle(scheduleId).describe());
      } catch (err) {
        if (err instanceof ScheduleNotFoundError)
          return {
            ok: false,
            detail: `no expiry watch schedule ${scheduleId} (npm run temporal:setup creates it)`,
          };
        throw err;
      }
      const last = info.recentActions.at(-1);
      if (!last) return { ok: true, note: 'warning', detail: 'the expiry watch has not run yet' };
      const { workflowId, firstExecutionRunId } = last.action.workflow;
      const handle = client.workflow.getHandle(workflowId, firstExecutionRunId);
      const { status } = await handle.describe();
      if (status.name === 'RUNNING') return { ok: true, detail: 'the expiry watch is running now' };
      if (status.name !== 'COMPLETED')
        return { ok: false, detail: `the last expiry watch run ${status.name.toLowerCase()}` };
      const report = (await handle.result()) as ExpiryWatchReport;
      const bad = report.rows.filter((r) => r.level !== 'ok');
      const at = report.at.slice(0, 16).replace('T', ' ');
      if (!bad.length)
        return {
          ok: true,
          detail: `${report.rows.length} checked at ${at} UTC, none expiring within the warning window`,
        };
      const line = (r: (typeof bad)[number]) =>
        `${r.label}: ${r.level}${r.msLeft !== undefined ? ` (${r.msLeft > 0 ? `${formatDuration(r.msLeft)} left` : 'expired'})` : ''}`;
      const failing = bad.some(
        (r) => r.level === 'critical' || r.level === 'invalid' || r.level === 'source-failed',
      );
      return { ok: !failing, note: failing ? undefined : 'warning', detail: bad.map(line).join('; ') };
    },
  };
}

export function journeysHealth(where: JourneyModes | string): HealthCheck {
  const modes = typeof where === 'string' ? fileJourneyModes(where) : where;
  return {
    name: 'Customer journeys',
    async check() {
      const { journeys } = await modes.read();
      const fallback = Object.entries(journeys).filter(([, j]) => j.mode === 'fallback');
      return fallback.length
        ? {
            ok: true,
            note: 'warning',
            detail: `in fallback: ${fallback.map(([name, j]) => `${name} since ${j.since.slice(0, 16).replace('T', ' ')} UTC`).join(', ')}`,
          }
        : { ok: true, detail: 'all journeys normal' };
    },
  };
}

/**
 * Where the Salesforce check goes (API reachable, daily API limits, token expiry): the
 * salesforce/ module provides a HealthCheck and the gateway setup passes it instead of this.
 */
export const SALESFORCE_HEALTH_SLOT: HealthCheck = {
  name: 'Salesforce API',
  check: async () => ({
    ok: true,
    note: 'not-configured',
    detail: 'not checked by this gateway yet (no Salesforce health check plugged in)',
  }),
};
