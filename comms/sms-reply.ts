/**
 * Replies to our SMS: "ACK" acknowledges the incident the message was about (stopping its
 * escalation), "OK" only confirms the message arrived. Each SMS ends with a short reply code
 * (derived from incident and step, so nothing is stored) that picks the message when a
 * responder has several; without a code a reply is about the latest SMS they got.
 * Replies never approve or reject: that needs a signed link, the status page or the CLI.
 */
import { createHash } from 'node:crypto';
import type { IncidentStatus } from '../domain/incident';

// No 0/O, 1/I/L, so a code read off a lock screen is typed back right.
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const CODE_LENGTH = 4;

export function replyCode(incidentId: string, step: string): string {
  const digest = createHash('sha256').update(`${incidentId}\n${step}`).digest();
  return [...digest.subarray(0, CODE_LENGTH)].map((byte) => ALPHABET[byte % ALPHABET.length]).join('');
}

/** The line appended to every SMS when replies are enabled. */
export function replyHint(code: string): string {
  return `Reply ACK ${code} to acknowledge, OK ${code} if you got this.`;
}

export type ReplyRequest = { ok: true; acknowledge: boolean; code?: string } | { ok: false; reason: string };

export const REPLY_HELP =
  'Reply ACK <code> to acknowledge or OK <code> to confirm receipt (code from our message).';

export function parseReply(body: string): ReplyRequest {
  const words = body.trim().toUpperCase().split(/\s+/).filter(Boolean);
  const [keyword, code, ...rest] = words;
  if (keyword !== 'ACK' && keyword !== 'OK') return { ok: false, reason: `Not understood. ${REPLY_HELP}` };
  if (rest.length > 0 || (code !== undefined && !new RegExp(`^[${ALPHABET}]{${CODE_LENGTH}}$`).test(code)))
    return {
      ok: false,
      reason: `"${words.slice(1).join(' ').slice(0, 20)}" is not a reply code. ${REPLY_HELP}`,
    };
  return { ok: true, acknowledge: keyword === 'ACK', ...(code ? { code } : {}) };
}

export interface RepliedMessage {
  incidentId: string;
  step: string;
  /** The recipient the message went to (a directory person id, or the phone number itself). */
  recipient: string;
  at: string;
}

/**
 * Which SMS a reply answers: among the delivered SMS of the open incidents to any of
 * `recipients` (the person ids with the sender's number, and the number itself), the one with
 * the reply code, or else the latest.
 */
export function messageRepliedTo(
  incidents: readonly IncidentStatus[],
  recipients: ReadonlySet<string>,
  code?: string,
): RepliedMessage | { reason: string } {
  const sent = incidents.flatMap((incident) =>
    incident.deliveries
      .filter((d) => d.channel === 'sms' && d.outcome === 'delivered' && recipients.has(d.recipient))
      .map((d) => ({ incidentId: incident.incidentId, step: d.step, recipient: d.recipient, at: d.at })),
  );
  if (sent.length === 0) return { reason: 'No open incident has sent an SMS to this number.' };
  const candidates = code ? sent.filter((s) => replyCode(s.incidentId, s.step) === code) : sent;
  if (candidates.length === 0)
    return { reason: `No open incident's message to this number has the code ${code}. ${REPLY_HELP}` };
  return candidates.reduce((latest, s) => (s.at > latest.at ? s : latest));
}
