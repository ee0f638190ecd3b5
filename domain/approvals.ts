/**
 * Who may decide an approval, and what a decision does to it. Pure, so the workflow's signal
 * handlers, its update validators and the tests share one set of rules.
 */
import type { ApprovalDecision, ApprovalStatus } from './incident';

export interface DecisionAttempt {
  step: string;
  by: string;
  decision: ApprovalDecision['decision'];
  reason?: string;
}

export type Judgement = { ok: true } | { ok: false; reason: string };

/** Whether an attempt counts; if not, the reason the responder is told. */
export function judge(
  attempt: DecisionAttempt,
  approval: ApprovalStatus | undefined,
  approvalSteps: readonly string[],
  /** Whoever last moved the incident forward, now: under the two-person rule they may not approve. */
  lastActor?: string,
): Judgement {
  if (!approvalSteps.includes(attempt.step)) {
    return {
      ok: false,
      reason: `unknown step "${attempt.step}" (approval steps: ${approvalSteps.join(', ') || 'none'})`,
    };
  }
  if (!approval)
    return { ok: false, reason: `step not pending: "${attempt.step}" has not asked for approval yet` };
  if (approval.state !== 'pending') return { ok: false, reason: `already decided: ${approval.state}` };
  if (!approval.eligible.includes(attempt.by)) {
    return {
      ok: false,
      reason: `not an approver: ${attempt.by} (may decide: ${approval.eligible.join(', ') || 'nobody'})`,
    };
  }
  if (approval.twoPersonRule && approval.requestedBy === attempt.by) {
    return {
      ok: false,
      reason: `two-person rule: ${attempt.by} set this step in motion and cannot approve it`,
    };
  }
  const ownDecision = approval.decisions.some((d) => d.by === attempt.by);
  if (approval.twoPersonRule && attempt.decision === 'approve' && lastActor === attempt.by && !ownDecision) {
    return {
      ok: false,
      reason: `two-person rule: ${attempt.by} last moved the incident forward and cannot approve it`,
    };
  }
  if (approval.decisions.some((d) => d.by === attempt.by)) {
    return { ok: false, reason: `already decided by ${attempt.by}: a second approver is needed` };
  }
  return { ok: true };
}

/** Records an accepted decision; one rejection decides, approvals count up to the quorum. */
export function applyDecision(approval: ApprovalStatus, attempt: DecisionAttempt, at: string): void {
  approval.decisions.push({ by: attempt.by, at, decision: attempt.decision, reason: attempt.reason });
  if (attempt.decision === 'reject') approval.state = 'rejected';
  else if (approval.decisions.filter((d) => d.decision === 'approve').length >= approval.quorum)
    approval.state = 'approved';
}

/**
 * Who may decide a pending approval now: eligible, not its requester under the two-person rule,
 * not decided already. The status page's "waiting for me" (and its `mayDecide`) follow this.
 */
export function whoMayDecide(approval: ApprovalStatus): string[] {
  if (approval.state !== 'pending') return [];
  return approval.eligible.filter(
    (person) =>
      !(approval.twoPersonRule && approval.requestedBy === person) &&
      !approval.decisions.some((d) => d.by === person),
  );
}
