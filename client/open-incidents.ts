/**
 * The open incidents, straight from Temporal. Listing reads visibility only (the search
 * attributes each incident publishes), so every open incident is listed even at thousands;
 * the `status` query, one round trip per incident, is asked only for the ones a page shows.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { IncidentStatus } from '../domain/incident';
import * as sa from '../domain/search-attributes';
import { queryStatusWhenFree } from './status';
import { ANSWER_WITHIN_MS } from './actions';
import { incidentsQuery } from './ids';

const OPEN_INCIDENTS_QUERY = incidentsQuery({ running: true });
/** Visibility pages: a round trip per this many incidents. */
const LIST_PAGE_SIZE = 1_000;
/** Status queries in flight at once, so a big read does not flood the workers. */
const QUERIES_AT_ONCE = 16;

/** One open incident as visibility knows it. Null: the incident has not published that yet. */
export interface ListedIncident {
  id: string;
  /** When this run started (a continued incident's latest run). */
  startedAt: string;
  pattern: string | null;
  severity: string | null;
  region: string | null;
  phase: string | null;
  escalationLevel: number | null;
  pendingApprovals: number;
  /** The nearest running clock deadline; null when none runs or the incident predates it. */
  nextDeadline: string | null;
  /**
   * Who may decide a pending approval now. Null when unknown: pending approvals, but the
   * incident has not published who (it started before the attribute existed).
   */
  approvers: string[] | null;
}

export function listedIncident(wf: WorkflowExecutionInfo): ListedIncident {
  const attrs = wf.typedSearchAttributes;
  const pendingApprovals = attrs.get(sa.PENDING_APPROVALS) ?? 0;
  const approvers = attrs.get(sa.APPROVERS) ?? [];
  return {
    id: wf.workflowId,
    startedAt: wf.startTime.toISOString(),
    pattern: attrs.get(sa.PATTERN) ?? null,
    severity: attrs.get(sa.SEVERITY) ?? null,
    region: attrs.get(sa.REGION) ?? null,
    phase: attrs.get(sa.PHASE) ?? null,
    escalationLevel: attrs.get(sa.ESCALATION_LEVEL) ?? null,
    pendingApprovals,
    nextDeadline: attrs.get(sa.NEXT_DEADLINE)?.toISOString() ?? null,
    approvers: approvers.length || pendingApprovals === 0 ? approvers : null,
  };
}

/** Every open incident, from visibility alone (no query, no worker needed). */
export async function listOpenIncidents(client: Client): Promise<ListedIncident[]> {
  const listed: ListedIncident[] = [];
  for await (const wf of client.workflow.list({ query: OPEN_INCIDENTS_QUERY, pageSize: LIST_PAGE_SIZE }))
    listed.push(listedIncident(wf));
  return listed;
}

/** A status, or why it could not be read (closed meanwhile, or no worker answers queries). */
export type StatusRead = { ok: true; status: IncidentStatus } | { ok: false; reason: string };

export async function readStatuses(client: Client, ids: readonly string[]): Promise<Map<string, StatusRead>> {
  const reads = new Map<string, StatusRead>();
  let next = 0;
  const reader = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      try {
        const deadline = Date.now() + ANSWER_WITHIN_MS;
        const status = await client.withDeadline(deadline, () => queryStatusWhenFree(client, id, deadline));
        reads.set(id, { ok: true, status });
      } catch (err) {
        reads.set(id, { ok: false, reason: (err as Error).message.split('\n')[0] ?? 'no answer' });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(QUERIES_AT_ONCE, ids.length) }, reader));
  return reads;
}

/** The statuses of every open incident (SMS replies look for the message replied to in all). */
export async function openIncidents(
  client: Client,
): Promise<{ statuses: IncidentStatus[]; unreadable: string[] }> {
  const ids = (await listOpenIncidents(client)).map((i) => i.id);
  const reads = await readStatuses(client, ids);
  const statuses: IncidentStatus[] = [];
  const unreadable: string[] = [];
  for (const id of ids) {
    const read = reads.get(id)!;
    if (read.ok) statuses.push(read.status);
    else unreadable.push(id);
  }
  return { statuses, unreadable };
}

/** An answer being fetched or fetched `at` (ms): in flight, everyone waits for the same one. */
interface Shared<T> {
  at: number;
  value: Promise<T>;
}

function share<T>(value: Promise<T>): Shared<T> {
  const entry: Shared<T> = { at: Number.POSITIVE_INFINITY, value };
  value.then(
    () => (entry.at = Date.now()),
    () => (entry.at = Number.NEGATIVE_INFINITY), // a failure is not kept
  );
  return entry;
}

/**
 * One listing, and one status per incident, shared by every open page for `ttlMs` after it
 * arrived: a hundred viewers polling every 5 s ask Temporal once per period, not a hundred
 * times, however long the answer takes. `refresh()` drops both after a decision.
 */
export function sharedOpenIncidents(client: Client, ttlMs = 2_000) {
  let listing: Shared<ListedIncident[]> | undefined;
  const statuses = new Map<string, Shared<StatusRead>>();
  const fresh = (entry: Shared<unknown> | undefined): boolean =>
    entry !== undefined && (entry.at === Number.POSITIVE_INFINITY || Date.now() - entry.at <= ttlMs);
  return {
    list(): Promise<ListedIncident[]> {
      if (!fresh(listing)) listing = share(listOpenIncidents(client));
      return listing!.value;
    },
    async statuses(ids: readonly string[]): Promise<Map<string, StatusRead>> {
      for (const [id, entry] of statuses) if (!fresh(entry)) statuses.delete(id);
      const missing = ids.filter((id) => !statuses.has(id));
      if (missing.length) {
        const reading = readStatuses(client, missing);
        for (const id of missing) statuses.set(id, share(reading.then((r) => r.get(id)!)));
      }
      const reads = await Promise.all(ids.map(async (id) => [id, await statuses.get(id)!.value] as const));
      return new Map(reads);
    },
    refresh(): void {
      listing = undefined;
      statuses.clear();
    },
  };
}
