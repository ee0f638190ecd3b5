/**
 * The CRM sync buffer's one side effect: upsert a record by external id. Run by the sync worker
 * (its own task queue, rate-limited). Which failures are worth waiting for decides everything:
 * a lockout (401/403, refused token, lost permissions), an outage or a rate limit is retried
 * until it passes; a write Salesforce rejects as such (unknown field, missing required field,
 * bad value) is not.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { BufferedWrite } from '../domain/crm-write';
import { SalesforceApiError, upsertByExternalId, type UpsertResult } from '../salesforce/api';
import type { ActivityDeps } from './deps';
import { assertRunsInRegion } from './region-guard';
import { ACCESS_DENIED_CODES, NOT_CONFIGURED, salesforceBusy } from './salesforce-support';

/**
 * Refusals that mean "not now" rather than "never": the ACL-drift errors among the 400s, and an
 * object the user can no longer see. Salesforce answers an sObject without read access as if it
 * did not exist (404 NOT_FOUND on /sobjects, INVALID_TYPE in SOQL) and an inaccessible External
 * ID field with 404 NOT_FOUND; dropping buffered writes on that answer would lose them to the
 * very lockout the buffer is for. The price: a misspelt object waits in the buffer, visible as
 * pending, instead of being set aside.
 */
const LOCKOUT_CODES = new Set([
  ...ACCESS_DENIED_CODES,
  'NOT_FOUND',
  'INVALID_TYPE',
  'TOKEN_REFUSED',
  'SESSION_REFRESH_FAILED',
  'INVALID_SESSION_ID',
  'UNABLE_TO_LOCK_ROW',
]);

const NOT_CONFIGURED_RETRY = '5m';
const API_LIMIT_RETRY_MS = 15 * 60_000;
const RESERVE_RETRY = '5m';
/** Usage older than this is refreshed by letting one call through. */
const USAGE_FRESH_MS = 60_000;

export function syncFailure(err: unknown): ApplicationFailure {
  if (!(err instanceof SalesforceApiError)) {
    return ApplicationFailure.create({ message: (err as Error).message, type: 'SalesforceUnavailable' });
  }
  const message = `Salesforce answered ${err.message}`;
  const busy = salesforceBusy(message, err, API_LIMIT_RETRY_MS);
  if (busy) return busy;
  if (LOCKOUT_CODES.has(err.errorCode) || err.status === 401 || err.status === 403) {
    return ApplicationFailure.create({ message, type: 'SalesforceLockedOut' });
  }
  if (err.status !== undefined && err.status < 500) {
    return ApplicationFailure.nonRetryable(message, 'CrmWriteRejected');
  }
  return ApplicationFailure.create({ message, type: 'SalesforceUnavailable' });
}

export function crmSyncActivities(deps: ActivityDeps) {
  return {
    async upsertCrmRecord(write: BufferedWrite): Promise<UpsertResult> {
      if (write.region) assertRunsInRegion(write.region);
      const sf = deps.salesforce;
      if (!sf?.session) {
        throw ApplicationFailure.create({
          message: `${NOT_CONFIGURED}; the write stays in the buffer`,
          type: 'SalesforceNotConfigured',
          nextRetryDelay: NOT_CONFIGURED_RETRY,
        });
      }
      const usage = await sf.session.currentApiUsage();
      if (usage && usage.limit > 0 && Date.now() - Date.parse(usage.at) < USAGE_FRESH_MS) {
        const remainingPercent = ((usage.limit - usage.used) / usage.limit) * 100;
        if (remainingPercent < sf.apiReservePercent) {
          throw ApplicationFailure.create({
            message:
              `holding back: ${usage.limit - usage.used} of ${usage.limit} daily API requests left, ` +
              `below the ${sf.apiReservePercent}% reserve (LOCKOUT_CRM_SYNC_API_RESERVE)`,
            type: 'SalesforceApiReserve',
            nextRetryDelay: RESERVE_RETRY,
          });
        }
      }
      try {
        return await upsertByExternalId(
          sf.session,
          write.object,
          write.externalIdField,
          write.externalId,
          write.fields,
        );
      } catch (err) {
        throw syncFailure(err);
      }
    },
  };
}
