/**
 * Human approval gates. An approval step asks its approvers, then waits for a quorum of distinct
 * approvals, a rejection, or its timeout (then: ask the next approver level, reject, or continue,
 * as the runbook says). Decisions arrive through the `approve` / `reject` signals and updates.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { durationMs } from '../domain/duration';
import { approvalChanged, approvalRequested } from '../domain/incident-progress';
import type { ApprovalStatus } from '../domain/incident';
import { allSteps, type ApprovalStep, type Step } from '../domain/runbook';
import type { IncidentState } from './incident-state';
import { notify } from './notify';
import { waitWithHandOver, type HandOver } from './wait';

const { resolveApprovers } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 5 },
});

export type ApprovalOutcome = 'approved' | 'rejected' | 'continue';

/** The step an approval gates: its `for`, else the step right after it in the same list. */
export function gatedStep(step: ApprovalStep, list: readonly Step[]): Step | undefined {
  if (step.for) return allSteps(list).find((s) => s.id === step.for);
  return list[list.indexOf(step) + 1];
}

export async function awaitApproval(
  incident: IncidentState,
  step: ApprovalStep,
  gated: Step | undefined,
  handOver?: HandOver,
): Promise<ApprovalOutcome> {
  // Pending from before a continue-as-new: keep waiting for the same request.
  const carried = incident.approvals.filter((a) => a.step === step.id).at(-1);
  let approval: ApprovalStatus;
  if (carried?.state === 'pending') approval = carried;
  else {
    incident.working++; // asking is work: no hand-over in the middle of it
    try {
      approval = await requestApproval(incident, step, gated);
    } finally {
      incident.working--;
    }
  }

  for (;;) {
    const decided = await waitWithHandOver(
      incident,
      () => approval.state !== 'pending' || incident.resolved,
      step.timeout,
      Date.parse(approval.deadline!) - durationMs(step.timeout),
      handOver,
      `approval ${step.id}: wait ${step.timeout} for ${step.quorum} approver(s)`,
    );
    if (approval.state === 'pending' && incident.resolved) {
      change(incident, approval, { state: 'timed-out' });
      incident.record('approval', `${approval.title}: incident resolved before a decision`, {
        step: step.id,
      });
    }
    if (decided) break;
    const nextLevel = step.approvers[approval.level];
    if (step.onTimeout === 'escalate' && nextLevel) {
      incident.record(
        'approval',
        `${approval.title}: no decision within ${step.timeout}, asking approver level ${approval.level + 1}`,
        { step: step.id },
      );
      incident.working++;
      try {
        const eligible = await eligibleAt(incident, step, approval.level);
        change(incident, approval, { eligible, approvers: nextLevel, level: approval.level + 1 });
        incident.publish();
        await ask(incident, step, approval, approval.level - 1);
      } finally {
        incident.working--;
      }
      continue;
    }
    change(incident, approval, { state: 'timed-out' });
    const outcome =
      step.onTimeout === 'continue' ? 'continuing as the runbook allows' : 'treated as rejected';
    incident.record('approval', `${approval.title}: no decision within ${step.timeout}, ${outcome}`, {
      step: step.id,
    });
    break;
  }
  incident.changed();
  incident.publish();
  if (approval.state === 'approved') return 'approved';
  if (approval.state === 'timed-out' && step.onTimeout === 'continue') return 'continue';
  return 'rejected';
}

/** Opens the request: who may decide and what they allow, then tells them. */
async function requestApproval(
  incident: IncidentState,
  step: ApprovalStep,
  gated: Step | undefined,
): Promise<ApprovalStatus> {
  const action =
    gated?.kind === 'activity'
      ? { activity: gated.activity, args: gated.args }
      : gated
        ? { activity: gated.kind, args: {} }
        : undefined;
  const approval: ApprovalStatus = {
    step: step.id,
    title: step.title ?? (gated?.title ? `Approve: ${gated.title}` : `Approve step ${step.id}`),
    approvers: step.approvers[0]!,
    quorum: step.quorum,
    twoPersonRule: step.twoPersonRule,
    requestedAt: incident.now(),
    requestedBy: incident.engine.lastActor,
    level: 1,
    state: 'pending',
    eligible: await eligibleAt(incident, step, 0),
    decisions: [],
    action,
  };
  incident.apply(approvalRequested, approval);
  incident.publish();
  await ask(incident, step, approval, 0);
  return approval;
}

/**
 * Person ids who may decide at an approver level (people named, and holders of the roles). A
 * named approver who has left the directory is skipped and recorded; with nobody left, or when
 * the directory cannot be read, the incident needs attention and escalates.
 */
async function eligibleAt(incident: IncidentState, step: ApprovalStep, level: number): Promise<string[]> {
  const approvers = step.approvers[level]!;
  let eligible: string[];
  try {
    eligible = await resolveApprovers.executeWithOptions(
      { summary: `who may approve ${step.id} (level ${level + 1})` },
      [approvers],
    );
  } catch (err) {
    const cause = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
    incident.needsAttention(`${step.id}: approvers could not be resolved (${cause})`);
    return [];
  }
  const missing = approvers.people.filter((id) => !eligible.includes(id));
  if (missing.length)
    incident.record('approval', `${step.id}: ${missing.join(', ')} not in the directory: skipped`, {
      step: step.id,
    });
  // Incidents from before this guard replay without it (it escalates, which adds commands).
  if (!eligible.length && incident.patched('responder-guards-v2'))
    incident.needsAttention(`${step.id}: nobody can approve at level ${level + 1}`);
  return eligible;
}

/** Records the request and tells the eligible approvers. */
async function ask(
  incident: IncidentState,
  step: ApprovalStep,
  approval: ApprovalStatus,
  level: number,
): Promise<void> {
  change(incident, approval, { deadline: new Date(Date.now() + durationMs(step.timeout)).toISOString() });
  incident.record(
    'approval',
    `${approval.title}: approval requested from ${approval.eligible.join(', ') || 'nobody (no one holds the roles)'}` +
      ` (quorum ${step.quorum}${step.twoPersonRule ? ', two-person rule' : ''})`,
    { step: step.id },
  );
  const targets = approval.eligible.map((id) => `person:${id}`);
  if (targets.length) {
    await notify(incident, {
      step: `${step.id}-request-${level + 1}`,
      targets,
      template: step.template,
      channels: step.channels,
      about: { approval: step.id },
    });
  }
}

/** Changes the approval `approval` (held by its gate, which sees the change: commit keeps it). */
function change(incident: IncidentState, approval: ApprovalStatus, changes: Partial<ApprovalStatus>): void {
  incident.apply(approvalChanged, incident.approvals.indexOf(approval), changes);
}
