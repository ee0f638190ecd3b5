/**
 * What happens when someone opens a signed link (GET: a page that explains and asks, never acts;
 * mail scanners prefetch links) and when they confirm it (POST: the action, as the link's person,
 * through the incident's own update). A link the gateway refuses (forged, expired, for an action
 * that changed, for someone who may not decide) is refused with a reason and recorded in the
 * incident's timeline through the `linkRefused` signal (summed per minute: refusal-log.ts).
 * Refusals the incident makes itself (already used, already decided) it records itself.
 */
import type { Client } from '@temporalio/client';
import type { ApprovalStatus, IncidentStatus } from '../domain/incident';
import type { DecisionInput, ReceiptInput } from '../domain/responder-input';
import { sendAction, type ActionOutcome } from '../client/actions';
import { readIncident } from '../client/status';
import { actionHttpStatus } from './action-status';
import type { RefusalLog } from './refusal-log';
import { actionHash, instanceTag, verifyLink, type LinkClaims, type LinkKind } from '../links/token';

export interface LinkDesk {
  client: Client;
  /** LOCKOUT_LINK_SECRET, then any previous secret still accepted. */
  secrets: readonly string[];
  now?: () => number;
  /** Where refusals go (the link routes give each gateway one); without it they are not recorded. */
  refusals?: RefusalLog;
}

/** Which kinds of link each URL path takes. */
export const PATH_KINDS = {
  approve: ['approve', 'reject'],
  ack: ['ack'],
  receipt: ['receipt'],
} as const satisfies Record<string, readonly LinkKind[]>;
export type LinkPath = keyof typeof PATH_KINDS;

/** How the timeline and pages say how the person proved who they are. */
export const VIA_LINK = 'signed link';

export type LinkPage =
  | {
      page: 'refused';
      httpStatus: number;
      reason: string;
      claims?: LinkClaims;
      status?: IncidentStatus;
      /** Whether the refusal reached the incident's timeline. */
      recorded: boolean;
    }
  /** GET of a usable link: what it will do, and a form to confirm. */
  | { page: 'confirm'; claims: LinkClaims; status: IncidentStatus; approval?: ApprovalStatus }
  /** GET of a link whose action is already done: what was done. */
  | { page: 'settled'; claims: LinkClaims; status: IncidentStatus; approval?: ApprovalStatus; reason: string }
  /** POST: what the incident answered. */
  | {
      page: 'outcome';
      httpStatus: number;
      claims: LinkClaims;
      status: IncidentStatus;
      result: ActionOutcome;
    };

type Checked =
  | { ok: true; claims: LinkClaims; status: IncidentStatus; approval?: ApprovalStatus }
  | { ok: false; page: LinkPage };

const isDecision = (k: LinkKind) => k === 'approve' || k === 'reject';

async function recordRefusal(desk: LinkDesk, claims: LinkClaims, reason: string, trusted: boolean) {
  if (!desk.refusals) return false;
  return desk.refusals.record(claims.i, {
    kind: claims.k,
    // A forged link's claims are not evidence of anything: only that one was tried.
    ...(trusted ? { step: claims.s, person: claims.p } : {}),
    reason,
  });
}

async function refuse(
  desk: LinkDesk,
  httpStatus: number,
  claims: LinkClaims,
  reason: string,
  options: { trusted?: boolean; status?: IncidentStatus } = {},
): Promise<{ ok: false; page: LinkPage }> {
  const recorded = await recordRefusal(desk, claims, reason, options.trusted ?? true);
  return {
    ok: false,
    page: { page: 'refused', httpStatus, reason, claims, status: options.status, recorded },
  };
}

/** A pending approval this link's person may not decide: 403 on GET and POST alike. */
function notAnApprover(claims: LinkClaims, approval: ApprovalStatus): string | undefined {
  if (approval.state !== 'pending' || approval.eligible.includes(claims.p)) return undefined;
  if (approval.decisions.some((d) => d.by === claims.p)) return undefined; // the incident says "already decided"
  return `not an approver: ${claims.p} (may decide now: ${approval.eligible.join(', ') || 'nobody'})`;
}

/** Everything that makes a link unusable before the incident itself is asked. */
async function check(desk: LinkDesk, token: string, path: LinkPath): Promise<Checked> {
  const verdict = verifyLink(desk.secrets, token, desk.now?.() ?? Date.now());
  if (!verdict.ok && verdict.problem === 'malformed')
    return { ok: false, page: { page: 'refused', httpStatus: 400, reason: verdict.reason, recorded: false } };
  if (!verdict.ok && verdict.problem === 'forged')
    return refuse(desk, 403, verdict.claims, 'invalid signature', { trusted: false });
  if (!verdict.ok) return refuse(desk, 410, verdict.claims, verdict.reason);
  const { claims } = verdict;
  if (!(PATH_KINDS[path] as readonly LinkKind[]).includes(claims.k))
    return {
      ok: false,
      page: {
        page: 'refused',
        httpStatus: 400,
        reason: `this is a ${claims.k} link, not one for /${path}/`,
        claims,
        recorded: false,
      },
    };
  const read = await readIncident(desk.client, claims.i);
  if (!read.ok)
    return {
      ok: false,
      page: { page: 'refused', httpStatus: read.httpStatus, reason: read.reason, claims, recorded: false },
    };
  const { status } = read;
  if (claims.r !== instanceTag(status.detectedAt))
    return refuse(
      desk,
      410,
      claims,
      claims.r === undefined
        ? 'this link is from before links named their incident; use a link from a newer message, the status page or the CLI'
        : `this link was issued for an earlier incident with the same id; this one was detected at ${status.detectedAt}`,
      { status },
    );
  if (!isDecision(claims.k)) return { ok: true, claims, status };

  const approval = status.approvals.filter((a) => a.step === claims.s).at(-1);
  if (!approval)
    return refuse(desk, 409, claims, `no approval was requested for step ${claims.s}`, { status });
  if (actionHash(approval.action) !== claims.a)
    return refuse(
      desk,
      409,
      claims,
      'the action to approve is not the one this link was sent for (its parameters changed); use the latest request',
      { status },
    );
  return { ok: true, claims, status, approval };
}

/** GET: explains what the link would do. Never acts. */
export async function openLink(desk: LinkDesk, token: string, path: LinkPath): Promise<LinkPage> {
  const checked = await check(desk, token, path);
  if (!checked.ok) return checked.page;
  const { claims, status, approval } = checked;
  if (!approval) return { page: 'confirm', claims, status };
  const mine = approval.decisions.find((d) => d.by === claims.p);
  if (mine)
    return {
      page: 'settled',
      claims,
      status,
      approval,
      reason: `${claims.p} already ${mine.decision === 'approve' ? 'approved' : 'rejected'} this step at ${mine.at}`,
    };
  if (approval.state !== 'pending')
    return { page: 'settled', claims, status, approval, reason: `already decided: ${approval.state}` };
  const outsider = notAnApprover(claims, approval);
  if (outsider) return (await refuse(desk, 403, claims, outsider, { status })).page;
  return { page: 'confirm', claims, status, approval };
}

/** POST: the action, as the link's person. `reason` is required to reject. */
export async function useLink(
  desk: LinkDesk,
  token: string,
  path: LinkPath,
  form: { reason?: string },
): Promise<LinkPage> {
  const checked = await check(desk, token, path);
  if (!checked.ok) return checked.page;
  const { claims, status, approval } = checked;
  const outsider = approval && notAnApprover(claims, approval);
  if (outsider) return (await refuse(desk, 403, claims, outsider, { status })).page;
  const reason = form.reason?.trim() || undefined;
  let result: ActionOutcome;
  if (isDecision(claims.k)) {
    const decision: DecisionInput = { step: claims.s, by: claims.p, via: VIA_LINK, link: claims.n };
    if (claims.k === 'reject' && !reason)
      return {
        page: 'refused',
        httpStatus: 400,
        reason: 'reason: say why you reject',
        claims,
        status,
        recorded: false,
      };
    if (reason) decision.reason = reason.slice(0, 1000);
    result =
      claims.k === 'approve'
        ? await sendAction(desk.client, claims.i, 'approve', decision)
        : await sendAction(desk.client, claims.i, 'reject', decision);
  } else {
    const receipt: ReceiptInput = {
      step: claims.s,
      recipient: claims.p,
      via: VIA_LINK,
      link: claims.n,
      ...(claims.k === 'ack' ? { acknowledge: true } : {}),
    };
    result = await sendAction(desk.client, claims.i, 'confirmReceipt', receipt);
  }
  const httpStatus = actionHttpStatus(result);
  return { page: 'outcome', httpStatus, claims, status, result };
}
