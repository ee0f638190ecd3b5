/**
 * What the compliance status page shows, from the open incidents' statuses: pure, so it is
 * tested without a server. Approvals say whether the signed-in person may decide them (and if
 * not, why), with the action's hash so a decision applies to exactly what was shown.
 */
import type { CrisisLedger } from '../domain/crisis-budget';
import type { ApprovalStatus, IncidentStatus } from '../domain/incident';
import { actionHash } from '../links/token';
import type { StatusRead } from '../client/open-incidents';
import type { HealthRow } from './health';
import type { ListPage } from './incident-list';

export interface ApprovalView {
  step: string;
  title: string;
  action: ApprovalStatus['action'] | null;
  actionHash: string;
  requestedBy: string | null;
  requestedAt: string;
  deadline: string | null;
  approvals: number;
  quorum: number;
  twoPersonRule: boolean;
  eligible: string[];
  /** Whether the signed-in person may approve or reject it now; otherwise `why` not. */
  mayDecide: boolean;
  why: string | null;
}

export interface IncidentView {
  id: string;
  title: string;
  pattern: string;
  severity: string;
  region: string;
  euPersonalData: boolean;
  phase: string;
  escalationLevel: number;
  escalationLevels: number;
  acknowledgedBy: string | null;
  detectedAt: string;
  alertCount: number;
  webUi: string;
  clocks: {
    id: string;
    title: string;
    legal: boolean;
    state: string;
    deadline: string | null;
    metAt: string | null;
    lateByMs: number | null;
  }[];
  approvals: ApprovalView[];
  /** The runbook it follows (a reclassification changes it). */
  runbook: string;
  /** Every alert resolved at its source: since when, and what the runbook does (null otherwise). */
  alertsResolved: { at: string; policy: string; resolvesAt: string | null } | null;
  /** Latest refused actions (forged or expired links, refused decisions): a compliance lead wants to see them. */
  refusals: { at: string; summary: string }[];
  /** The post-incident review while the incident is in it (docs/evidence.md#post-incident-review). */
  review: {
    state: string;
    due: string;
    items: { id: string; title: string; owner: string | null; due: string | null; state: string }[];
  } | null;
  /** The crisis budget's ledger (docs/readiness.md), when the gateway knows the budget. */
  budget?: CrisisLedger;
}

/** An open incident whose status could not be read just now: what visibility knows of it. */
export interface UnreadableView {
  id: string;
  severity: string | null;
  pattern: string | null;
  region: string | null;
  phase: string | null;
  startedAt: string;
  reason: string;
  webUi: string;
}

export interface Overview extends Omit<ListPage, 'incidents'> {
  /** The gateway's time: the page computes countdowns against it, not the browser's clock. */
  asOf: string;
  person: string;
  /** The page's incidents, most urgent first. */
  incidents: IncidentView[];
  /** The page's incidents that are open but whose status could not be read just now. */
  unreadable: UnreadableView[];
  health: HealthRow[];
}

/** The rules of whoMayDecide (domain/approvals.ts), each with the reason a person is told. */
function whyNot(a: ApprovalStatus, person: string): string | null {
  if (a.state !== 'pending') return `already ${a.state}`;
  if (!a.eligible.includes(person))
    return `you are not an approver (may decide: ${a.eligible.join(', ') || 'nobody'})`;
  if (a.twoPersonRule && a.requestedBy === person) return 'two-person rule: you set this step in motion';
  if (a.decisions.some((d) => d.by === person)) return 'you already decided';
  return null;
}

export function approvalView(a: ApprovalStatus, person: string): ApprovalView {
  const why = whyNot(a, person);
  return {
    step: a.step,
    title: a.title,
    action: a.action ?? null,
    actionHash: actionHash(a.action),
    requestedBy: a.requestedBy ?? null,
    requestedAt: a.requestedAt,
    deadline: a.deadline ?? null,
    approvals: a.decisions.filter((d) => d.decision === 'approve').length,
    quorum: a.quorum,
    twoPersonRule: a.twoPersonRule,
    eligible: a.eligible,
    mayDecide: why === null,
    why,
  };
}

export function incidentView(s: IncidentStatus, person: string, webUi: string): IncidentView {
  const ack = s.acknowledgements.at(-1);
  return {
    id: s.incidentId,
    title: s.facts.title,
    pattern: s.facts.pattern,
    severity: s.facts.severity,
    region: s.facts.region,
    euPersonalData: s.facts.euPersonalData,
    phase: s.phase,
    escalationLevel: s.escalationLevel,
    escalationLevels: s.escalationLevels,
    acknowledgedBy: s.phase === 'detected' ? null : (ack?.by ?? null),
    detectedAt: s.detectedAt,
    alertCount: s.alertCount,
    webUi,
    clocks: s.clocks
      .filter((c) => c.state !== 'not-applicable')
      .map((c) => ({
        id: c.id,
        title: c.title,
        legal: c.legal,
        state: c.state,
        deadline: c.deadline ?? null,
        metAt: c.metAt ?? null,
        lateByMs: c.lateByMs ?? null,
      })),
    approvals: s.approvals.filter((a) => a.state === 'pending').map((a) => approvalView(a, person)),
    runbook: s.runbook.id,
    alertsResolved: s.alertsResolved
      ? {
          at: s.alertsResolved.at,
          policy: s.alertsResolved.policy,
          resolvesAt: s.alertsResolved.resolvesAt ?? null,
        }
      : null,
    refusals: s.timeline
      .filter((e) => e.kind === 'refused')
      .slice(-5)
      .map((e) => ({ at: e.at, summary: e.summary })),
    review: s.review
      ? {
          state: s.review.state,
          due: s.review.due,
          items: s.review.items.map((i) => ({
            id: i.id,
            title: i.title,
            owner: i.owner ?? null,
            due: i.due ?? null,
            state: i.state,
          })),
        }
      : null,
  };
}

/** One page of the listing (status-page/incident-list.ts), with the statuses read for it. */
export function buildOverview(input: {
  list: ListPage;
  reads: ReadonlyMap<string, StatusRead>;
  person: string;
  webUiLink(id: string): string;
  health: HealthRow[];
  now?: Date;
  /** The crisis budget of an incident; absent or throwing: the card shows none. */
  budget?(status: IncidentStatus): CrisisLedger | undefined;
}): Overview {
  const { incidents: listed, ...list } = input.list;
  const incidents: IncidentView[] = [];
  const unreadable: UnreadableView[] = [];
  for (const i of listed) {
    const read = input.reads.get(i.id) ?? { ok: false, reason: 'not read' };
    if (read.ok) {
      const view = incidentView(read.status, input.person, input.webUiLink(i.id));
      const budget = budgetOf(input.budget, read.status);
      incidents.push(budget ? { ...view, budget } : view);
    } else
      unreadable.push({
        id: i.id,
        severity: i.severity,
        pattern: i.pattern,
        region: i.region,
        phase: i.phase,
        startedAt: i.startedAt,
        reason: read.reason,
        webUi: input.webUiLink(i.id),
      });
  }
  return {
    asOf: (input.now ?? new Date()).toISOString(),
    person: input.person,
    ...list,
    incidents,
    unreadable,
    health: input.health,
  };
}

/** A broken budget file must not take the page down: the card goes without its budget. */
function budgetOf(
  budget: ((status: IncidentStatus) => CrisisLedger | undefined) | undefined,
  status: IncidentStatus,
): CrisisLedger | undefined {
  try {
    return budget?.(status);
  } catch {
    return undefined;
  }
}
