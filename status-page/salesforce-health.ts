/**
 * Rows for the status page's health panel (status-page/health.ts): is Salesforce answering and how
 * much of the daily API allowance is left; is the CRM sync buffer holding writes.
 */
import type { Client } from '@temporalio/client';
import type { HealthCheck } from './health';
import { formatDuration } from '../domain/duration';
import { callSalesforce } from '../salesforce/api';
import type { SalesforceSession } from '../salesforce/session';
import { readSyncBuffer } from '../client/crm-sync-status';

const LOW_API_PERCENT = 10;

export function salesforceHealth(session: SalesforceSession | undefined): HealthCheck {
  return {
    name: 'Salesforce API',
    async check() {
      if (!session)
        return {
          ok: true,
          note: 'not-configured',
          detail: 'Salesforce not configured (SALESFORCE_CLIENT_ID)',
        };
      try {
        const limits = await callSalesforce<{ DailyApiRequests?: { Max: number; Remaining: number } }>(
          session,
          {
            method: 'GET',
            path: '/limits',
          },
        );
        const daily = limits.DailyApiRequests;
        const percent = daily && daily.Max ? Math.round((daily.Remaining / daily.Max) * 100) : undefined;
        const token = session.tokenState();
        const detail =
          `answering; ${daily ? `${daily.Remaining} of ${daily.Max} daily API requests left (${percent}%)` : 'no daily limit reported'}` +
          (token ? `; token expires ~${token.expiresAt.slice(11, 16)} UTC` : '');
        return percent !== undefined && percent < LOW_API_PERCENT
          ? { ok: true, note: 'warning', detail }
          : { ok: true, detail };
      } catch (err) {
        return { ok: false, detail: (err as Error).message.split('\n')[0] ?? 'failed' };
      }
    },
  };
}

export function crmSyncHealth(client: Client): HealthCheck {
  return {
    name: 'CRM sync buffer',
    async check() {
      const buffer = await readSyncBuffer(client);
      if (buffer.rejected) {
        return {
          ok: true,
          note: 'warning',
          detail: `${buffer.rejected} write(s) rejected by Salesforce (lockout sync status --json); ${buffer.pending} waiting`,
        };
      }
      if (!buffer.pending) return { ok: true, detail: 'nothing waiting: every accepted write applied' };
      const age = buffer.oldestPendingAt
        ? formatDuration(Date.now() - Date.parse(buffer.oldestPendingAt))
        : '?';
      return {
        ok: true,
        note: 'warning',
        detail: `${buffer.pending} write(s) waiting for ${buffer.records} record(s), oldest ${age} old`,
      };
    },
  };
}
