/**
 * Which one-click links a message carries for its recipient: approve and reject for an approver
 * of the approval the message is about, acknowledge while the incident is open, and "I got this"
 * (receipt) always. Links are only issued to people in the directory (they act as that person),
 * and only when a link secret is configured; otherwise `note` tells the reader why not.
 */
import type { IncidentStatus } from '../domain/incident';
import { actionHash, instanceTag, signLink, type LinkKind } from './token';

export interface LinkSettings {
  /** The first signs new links; all are accepted (rotation). */
  secrets: readonly string[];
  /** The gateway's public URL, e.g. https://lockout.example.com (LOCKOUT_GATEWAY_URL). */
  publicUrl: string;
  /** How long acknowledgement and receipt links work. Approval links work until the approval's deadline. */
  ttlMs: number;
}

export interface RecipientLinks {
  acknowledge: string | null;
  receipt: string | null;
  approve: string | null;
  reject: string | null;
  /** When the acknowledgement and receipt links stop working (ISO). */
  expiresAt: string | null;
  /** Why there are no links, for the message to say. */
  note: string | null;
}

export interface LinkRequest {
  incidentId: string;
  /** The message's step: what an acknowledgement or receipt link confirms. */
  step: string;
  recipientId: string;
  /** Whether the recipient is a person in the directory (links act as them). */
  isPerson: boolean;
  status: IncidentStatus;
  /** The approval step the message is about, if any. */
  approvalStep?: string;
  /** The workflow's time of the request (ISO); links expire relative to it. */
  at?: string;
}

/** The URL path of each kind of link on the gateway. */
export const LINK_PATHS: Record<LinkKind, string> = {
  approve: '/approve/',
  reject: '/approve/',
  ack: '/ack/',
  receipt: '/receipt/',
};

const none = (note: string): RecipientLinks => ({
  acknowledge: null,
  receipt: null,
  approve: null,
  reject: null,
  expiresAt: null,
  note,
});

export function linksForMessage(settings: LinkSettings | undefined, request: LinkRequest): RecipientLinks {
  if (!settings?.secrets[0])
    return none('One-click links are off on this installation (no LOCKOUT_LINK_SECRET is configured).');
  if (!request.isPerson) return none('One-click links go only to people in the responder directory.');
  const secret = settings.secrets[0];
  const { status } = request;
  const base = Date.parse(request.at ?? '') || Date.now();
  const expiresAtMs = base + settings.ttlMs;
  const url = (kind: LinkKind, step: string, expiresMs: number, a?: string) =>
    settings.publicUrl +
    LINK_PATHS[kind] +
    signLink(secret, {
      k: kind,
      i: request.incidentId,
      s: step,
      p: request.recipientId,
      e: Math.floor(expiresMs / 1000),
      r: instanceTag(status.detectedAt),
      ...(a ? { a } : {}),
    });

  const approval = request.approvalStep
    ? status.approvals.filter((x) => x.step === request.approvalStep).at(-1)
    : undefined;
  const mayDecide = approval?.state === 'pending' && approval.eligible.includes(request.recipientId);
  const decisionExpiry = Date.parse(approval?.deadline ?? '') || expiresAtMs;
  const hash = mayDecide ? actionHash(approval.action) : undefined;
  return {
    acknowledge: status.resolution ? null : url('ack', request.step, expiresAtMs),
    receipt: url('receipt', request.step, expiresAtMs),
    approve: mayDecide ? url('approve', approval.step, decisionExpiry, hash) : null,
    reject: mayDecide ? url('reject', approval.step, decisionExpiry, hash) : null,
    expiresAt: new Date(expiresAtMs).toISOString(),
    note: null,
  };
}
