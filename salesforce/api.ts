/**
 * Salesforce REST calls through jsforce's HTTP layer (HttpApi: the one Connection.request uses,
 * with its automatic session refresh on 401 INVALID_SESSION_ID). We use it directly to see each
 * response's status and headers: Retry-After for rate limits and Sforce-Limit-Info for the
 * org's daily API usage. jsforce's own retries are switched off: Temporal retries activities,
 * honouring Retry-After, and a lockout is not something to hammer in a loop.
 */
import type { HttpResponse } from 'jsforce';
import { HttpApi } from 'jsforce/lib/http-api';
import Transport from 'jsforce/lib/transport';
import type { SalesforceSession } from './session';
import { OrgConcurrencyExhausted } from './org-limits';
import { TokenRefused } from './token';

export interface SalesforceCall {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to /services/data/vXX.X (`/limits`), or absolute from `/services/…`. */
  path: string;
  body?: unknown;
}

/** A call that failed, with what Salesforce said: HTTP status, errorCode and Retry-After. */
export class SalesforceApiError extends Error {
  constructor(
    message: string,
    /** Undefined when no HTTP answer came back (network, TLS). */
    readonly status: number | undefined,
    readonly errorCode: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SalesforceApiError';
  }
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function recordUsage(session: SalesforceSession, response: HttpResponse): void {
  const match = /api-usage=(\d+)\/(\d+)/.exec(response.headers['sforce-limit-info'] ?? '');
  if (match) {
    session.apiUsage = { used: Number(match[1]), limit: Number(match[2]), at: new Date().toISOString() };
    // Shared for the other workers' reserve checks; a lost report is replaced by the next one.
    session.limits?.recordUsage(session.orgKey(), session.apiUsage).catch(() => undefined);
  }
}

function classify(err: unknown, last: HttpResponse | undefined): Error {
  const e = err as Error & { errorCode?: string; code?: string };
  if (e instanceof TokenRefused) return new SalesforceApiError(e.message, 400, 'TOKEN_REFUSED');
  if (e.message?.startsWith('Unable to refresh session')) {
    // jsforce wraps our refresh function's error: the session expired and no new token was given.
    return new SalesforceApiError(e.message, 401, 'SESSION_REFRESH_FAILED');
  }
  if (e.errorCode) {
    const status = last?.statusCode;
    return new SalesforceApiError(
      `${status ?? ''} ${e.errorCode}: ${e.message}`.trim(),
      status,
      e.errorCode,
      parseRetryAfter(last?.headers['retry-after']),
    );
  }
  return new SalesforceApiError(e.message, undefined, e.code ?? 'NETWORK_ERROR');
}

/** One REST call; resolves with the parsed JSON body (null for 204), throws SalesforceApiError. */
export async function callSalesforce<T>(session: SalesforceSession, call: SalesforceCall): Promise<T> {
  let last: HttpResponse | undefined;
  let release: (() => Promise<void>) | undefined;
  try {
    // Refused a token a moment ago: every call would be a 401 and a refused refresh.
    const refused = session.recentRefusal();
    if (refused) throw refused;
    const conn = await session.connection();
    // One of the org's concurrent-request slots, shared by every worker, held until the answer.
    release = await session.limits?.acquire(session.orgKey());
    const api = new HttpApi(conn, { retry: { maxRetries: 0 }, noContentResponse: null });
    api.on('response', (response: HttpResponse) => {
      last = response;
      recordUsage(session, response);
    });
    const base = call.path.startsWith('/services/') ? '' : `/services/data/v${conn.version}`;
    const hasBody = call.body !== undefined;
    return await api.request<T>({
      method: call.method,
      url: `${conn.instanceUrl}${base}${call.path}`,
      ...(hasBody
        ? { body: JSON.stringify(call.body), headers: { 'content-type': 'application/json' } }
        : {}),
    });
  } catch (err) {
    if (err instanceof OrgConcurrencyExhausted)
      throw new SalesforceApiError(err.message, undefined, 'ORG_CONCURRENCY_EXHAUSTED');
    throw classify(err, last);
  } finally {
    await release?.().catch(() => undefined); // else it runs out with its lease
  }
}

interface QueryPage<R> {
  totalSize: number;
  done: boolean;
  records: R[];
  nextRecordsUrl?: string;
}

/** Every record a SOQL query matches, following nextRecordsUrl; `limit` stops early. */
export async function query<R>(
  session: SalesforceSession,
  soql: string,
  options: { limit?: number; tooling?: boolean } = {},
): Promise<R[]> {
  const records: R[] = [];
  let page = await callSalesforce<QueryPage<R>>(session, {
    method: 'GET',
    path: `${options.tooling ? '/tooling' : ''}/query?q=${encodeURIComponent(soql)}`,
  });
  for (;;) {
    records.push(...page.records);
    if (page.done || !page.nextRecordsUrl || records.length >= (options.limit ?? Infinity)) break;
    page = await callSalesforce<QueryPage<R>>(session, { method: 'GET', path: page.nextRecordsUrl });
  }
  return options.limit === undefined ? records : records.slice(0, options.limit);
}

export interface UpsertResult {
  id: string;
  created: boolean;
}

/** Insert or update by external id: the same call twice leaves one record. */
export async function upsertByExternalId(
  session: SalesforceSession,
  sobject: string,
  externalIdField: string,
  externalId: string,
  fields: Record<string, unknown>,
): Promise<UpsertResult> {
  const path = `/sobjects/${sobject}/${externalIdField}/${encodeURIComponent(externalId)}`;
  const result = await callSalesforce<{ id?: string; created?: boolean } | null>(session, {
    method: 'PATCH',
    path,
    body: fields,
  });
  // Before API v46 an update answered 204 without a body.
  return { id: result?.id ?? '', created: result?.created ?? false };
}

export async function createRecord(
  session: SalesforceSession,
  sobject: string,
  fields: Record<string, unknown>,
): Promise<string> {
  const result = await callSalesforce<{ id: string }>(session, {
    method: 'POST',
    path: `/sobjects/${sobject}`,
    body: fields,
  });
  return result.id;
}

export interface Probe {
  url: string;
  reachable: boolean;
  status?: number;
  latencyMs: number;
  error?: string;
  body?: string;
}

/** An unauthenticated GET through jsforce's transport: is the endpoint there at all? */
export async function probe(url: string): Promise<Probe> {
  const started = Date.now();
  try {
    const response = await new Transport().httpRequest({ method: 'GET', url }, { retry: { maxRetries: 0 } });
    return {
      url,
      reachable: true,
      status: response.statusCode,
      latencyMs: Date.now() - started,
      body: response.body,
    };
  } catch (err) {
    const e = err as Error & { code?: string };
    return { url, reachable: false, latencyMs: Date.now() - started, error: e.code ?? e.message };
  }
}
