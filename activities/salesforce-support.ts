/**
 * What every Salesforce activity does the same way: "not configured" answers, and Salesforce
 * failures turned into Temporal's terms (retry after Retry-After, retry later, or give up).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { FileProblems } from '../lib/yaml-file';
import type { Region } from '../domain/alert';
import type { StepResult } from '../domain/incident';
import { isDataRegion } from '../domain/regions';
import { assertRunsInRegion } from './region-guard';
import { SalesforceApiError } from '../salesforce/api';
import type { SalesforceDeps } from '../salesforce/deps';
import type { SalesforceSession } from '../salesforce/session';
import type { ActivityDeps } from './deps';

export const NOT_CONFIGURED =
  'Salesforce not configured: set SALESFORCE_CLIENT_ID and one OAuth flow (docs/salesforce.md)';

/** The org's daily limit is rolling: come back later rather than spin. */
const LIMIT_EXCEEDED_RETRY_MS = 10 * 60_000;

export function notConfigured(): StepResult {
  return { ok: false, summary: NOT_CONFIGURED, data: { configured: false } };
}

/** For remediation: refuse clearly, without retries. */
export function requireSession(
  deps: ActivityDeps,
  activity: string,
): { sf: SalesforceDeps; session: SalesforceSession } {
  const sf = deps.salesforce;
  if (!sf?.session)
    throw ApplicationFailure.nonRetryable(`${activity}: ${NOT_CONFIGURED}`, 'SalesforceNotConfigured');
  return { sf, session: sf.session };
}

/** A configuration file an activity needs, or a non-retryable failure naming file, line and field. */
export function configFile<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof FileProblems) throw ApplicationFailure.nonRetryable(err.message, 'ConfigurationError');
    throw err;
  }
}

/**
 * Permission refusals with a valid session: what ACL drift looks like. Salesforce sends the
 * INSUFFICIENT_ACCESS_* codes with 400, the API_* ones with 403 (REST API Developer Guide,
 * "Status Codes and Error Responses" and "Supported Editions and Required Permissions").
 */
export const ACCESS_DENIED_CODES: ReadonlySet<string> = new Set([
  'INSUFFICIENT_ACCESS',
  'INSUFFICIENT_ACCESS_OR_READONLY',
  'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY',
  'API_DISABLED_FOR_ORG',
  'API_CURRENTLY_DISABLED',
]);

/**
 * Salesforce refused us (credentials, permissions): during a lockout that is the finding. Not
 * the daily API limit, which Salesforce also answers with 403.
 */
export function isAccessProblem(err: unknown): err is SalesforceApiError {
  return (
    err instanceof SalesforceApiError &&
    err.errorCode !== 'REQUEST_LIMIT_EXCEEDED' &&
    (err.errorCode === 'TOKEN_REFUSED' ||
      err.errorCode === 'SESSION_REFRESH_FAILED' ||
      ACCESS_DENIED_CODES.has(err.errorCode) ||
      err.status === 401 ||
      err.status === 403)
  );
}

/**
 * Salesforce saying "not now", the same for every caller: 429/503 retry after Retry-After, the
 * org's daily API limit after `limitRetryMs`. Undefined for any other error.
 */
export function salesforceBusy(
  message: string,
  err: SalesforceApiError,
  limitRetryMs: number,
): ApplicationFailure | undefined {
  if (err.status === 429 || err.status === 503) {
    return ApplicationFailure.create({
      message,
      type: 'SalesforceRateLimited',
      ...(err.retryAfterMs !== undefined ? { nextRetryDelay: err.retryAfterMs } : {}),
    });
  }
  if (err.errorCode === 'REQUEST_LIMIT_EXCEEDED') {
    return ApplicationFailure.create({ message, type: 'SalesforceApiLimit', nextRetryDelay: limitRetryMs });
  }
  return undefined;
}

/**
 * The ApplicationFailure for a Salesforce error: 429/503 retry after Retry-After, the daily
 * limit retries in 10 minutes, outages retry with the step's backoff, refusals and bad requests
 * do not retry.
 */
export function salesforceFailure(activity: string, err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (!(err instanceof SalesforceApiError)) {
    return ApplicationFailure.create({
      message: `${activity}: ${(err as Error).message}`,
      type: 'SalesforceError',
    });
  }
  const message = `${activity}: Salesforce answered ${err.message}`;
  const busy = salesforceBusy(message, err, LIMIT_EXCEEDED_RETRY_MS);
  if (busy) return busy;
  if (err.status === undefined || err.status >= 500) {
    return ApplicationFailure.create({ message, type: 'SalesforceUnavailable' });
  }
  return ApplicationFailure.nonRetryable(
    message,
    isAccessProblem(err) ? 'SalesforceAccessDenied' : 'SalesforceRejected',
  );
}

/**
 * A diagnostic: not configured and access refused are results (ok: false, with the reason);
 * outages and rate limits are retried by Temporal.
 */
export async function diagnose(
  deps: ActivityDeps,
  activity: string,
  run: (session: SalesforceSession, sf: SalesforceDeps) => Promise<StepResult>,
): Promise<StepResult> {
  const sf = deps.salesforce;
  if (!sf?.session) return notConfigured();
  try {
    return await run(sf.session, sf);
  } catch (err) {
    if (err instanceof SalesforceApiError && err.errorCode === 'REQUEST_LIMIT_EXCEEDED') {
      return {
        ok: false,
        summary: `Salesforce's daily API request limit is used up: ${err.message}`,
        data: { status: err.status ?? null, errorCode: err.errorCode },
      };
    }
    if (isAccessProblem(err)) {
      return {
        ok: false,
        summary: `Salesforce refused access: ${err.message}`,
        data: { status: err.status ?? null, errorCode: err.errorCode },
      };
    }
    throw salesforceFailure(activity, err);
  }
}

/**
 * Data residency for the activities that read or write customer data: refuse a task taken from
 * another region's queue. (Called outside a worker, as the tests do, there is no queue to check.)
 */
export function guardDataRegion(region: Region): void {
  if (!isDataRegion(region)) return;
  try {
    Context.current();
  } catch {
    return;
  }
  assertRunsInRegion(region);
}
