/**
 * Which open incidents the status page shows, from what visibility knows of every one of them:
 * counts, filters, urgency order and pages. Pure, so it is tested without a server; only the
 * incidents of the shown page are then queried for their full status.
 */
import type { ListedIncident } from '../client/open-incidents';

export interface ListFilter {
  pattern?: string;
  severity?: string;
  region?: string;
  phase?: string;
  /** Only incidents with a pending approval the signed-in person may decide. */
  mine?: boolean;
}

export interface ListRequest extends ListFilter {
  /** 1-based; past the last page shows the last page (incidents close while someone pages). */
  page: number;
  pageSize: number;
  person: string;
  now: Date;
}

/** Over every open incident, whatever the filter. */
export interface ListCounts {
  open: number;
  unacknowledged: number;
  /** Approval steps waiting for a decision, across all open incidents. */
  approvalsWaiting: number;
  /** Incidents whose nearest running deadline is within the next hour (or already passed). */
  deadlinesWithinHour: number;
}

export interface ListPage {
  totalOpen: number;
  matching: number;
  page: number;
  pages: number;
  pageSize: number;
  counts: ListCounts;
  /** The page's incidents, most urgent first. */
  incidents: ListedIncident[];
}

const HOUR_MS = 60 * 60_000;
const SEVERITY_RANK: Record<string, number> = { sev1: 0, sev2: 1, sev3: 2 };

const deadlineMs = (i: ListedIncident) =>
  i.nextDeadline === null ? Number.POSITIVE_INFINITY : Date.parse(i.nextDeadline);
const unacknowledged = (i: ListedIncident) => i.phase === 'detected';

/**
 * Most urgent first: severity, then the nearest deadline (none or unknown last), then more
 * approvals waiting, then not acknowledged, then the oldest; the id settles ties, so the order
 * (and so every page) is the same on every refresh.
 */
export function byUrgency(a: ListedIncident, b: ListedIncident): number {
  return (
    (SEVERITY_RANK[a.severity ?? ''] ?? 9) - (SEVERITY_RANK[b.severity ?? ''] ?? 9) ||
    compareNumbers(deadlineMs(a), deadlineMs(b)) ||
    b.pendingApprovals - a.pendingApprovals ||
    Number(unacknowledged(b)) - Number(unacknowledged(a)) ||
    Date.parse(a.startedAt) - Date.parse(b.startedAt) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function compareNumbers(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/**
 * Whether `person` may decide one of its pending approvals. An incident that has not published
 * its approvers (null) counts when it has any pending: shown rather than hidden; its approval
 * rows then say whether the person may decide.
 */
export function waitingFor(i: ListedIncident, person: string): boolean {
  if (i.approvers === null) return i.pendingApprovals > 0;
  return i.approvers.includes(person);
}

export function matches(i: ListedIncident, filter: ListFilter, person: string): boolean {
  return (
    (!filter.pattern || i.pattern === filter.pattern) &&
    (!filter.severity || i.severity === filter.severity) &&
    (!filter.region || i.region === filter.region) &&
    (!filter.phase || i.phase === filter.phase) &&
    (!filter.mine || waitingFor(i, person))
  );
}

export function countsOf(all: readonly ListedIncident[], now: Date): ListCounts {
  const soon = now.getTime() + HOUR_MS;
  return {
    open: all.length,
    unacknowledged: all.filter(unacknowledged).length,
    approvalsWaiting: all.reduce((sum, i) => sum + i.pendingApprovals, 0),
    deadlinesWithinHour: all.filter((i) => deadlineMs(i) <= soon).length,
  };
}

export function listPage(all: readonly ListedIncident[], request: ListRequest): ListPage {
  const matching = all.filter((i) => matches(i, request, request.person)).sort(byUrgency);
  const pages = Math.max(1, Math.ceil(matching.length / request.pageSize));
  const page = Math.min(Math.max(1, request.page), pages);
  const start = (page - 1) * request.pageSize;
  return {
    totalOpen: all.length,
    matching: matching.length,
    page,
    pages,
    pageSize: request.pageSize,
    counts: countsOf(all, request.now),
    incidents: matching.slice(start, start + request.pageSize),
  };
}
