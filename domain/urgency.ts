/**
 * What makes an open incident urgent beyond its severity: its nearest running deadline and who
 * may decide its pending approvals. The workflow publishes both as search attributes, so the
 * status page sorts and filters every open incident from visibility without querying each one.
 */
import { whoMayDecide } from './approvals';
import type { ApprovalStatus, ClockStatus } from './incident';

export interface Urgency {
  /** The nearest deadline of a running clock (ISO time), or null when no clock runs. */
  nextDeadline: string | null;
  /** People who may decide a pending approval now, sorted, each once. */
  approvers: string[];
}

export function urgencyOf(record: {
  clocks: readonly ClockStatus[];
  approvals: readonly ApprovalStatus[];
}): Urgency {
  const deadlines = record.clocks
    .filter((c) => c.state === 'running' && c.deadline)
    .map((c) => c.deadline!)
    .sort((a, b) => Date.parse(a) - Date.parse(b));
  const approvers = new Set(record.approvals.flatMap(whoMayDecide));
  return { nextDeadline: deadlines[0] ?? null, approvers: [...approvers].sort() };
}
