/**
 * Signed links: a token that lets one person take one action on one incident without signing in
 * (approve or reject a step, acknowledge, confirm receipt). It is `v1.<claims>.<signature>`:
 * base64url JSON claims, and an HMAC-SHA256 of `v1.<claims>` with LOCKOUT_LINK_SECRET. The claims
 * are readable by whoever holds the link (they carry ids, never addresses or secrets); they cannot
 * be changed without the secret. Single use is enforced by the incident itself: the workflow
 * records each used nonce and refuses it a second time (workflows/responders.ts).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';
import { z } from 'zod';

export const LINK_KINDS = ['approve', 'reject', 'ack', 'receipt'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

const VERSION = 'v1';

export const LinkClaims = z
  .object({
    /** What the link does. */
    k: z.enum(LINK_KINDS),
    /** Incident (workflow id). */
    i: z.string().min(1).max(300),
    /** Approval step, or the message's step for acknowledgement and receipt links. */
    s: z.string().min(1).max(200),
    /** The person (directory id) the link was issued to: it acts as them and only them. */
    p: z.string().min(1).max(200),
    /** Approval links: hash of the exact action approved (activityHash). */
    a: z.string().max(100).optional(),
    /** Expiry, Unix seconds. */
    e: z.number().int().positive(),
    /** Unique per link: what the incident records as used. */
    n: z.string().min(8).max(64),
    /**
     * The incident's instance (instanceTag of when it was detected): a fingerprint that fires
     * again after its incident closed reuses the id, and a link of the old one must not act on
     * the new one. Absent only in links issued before links were bound; those are refused.
     */
    r: z.string().min(1).max(20).optional(),
  })
  .strict();
export type LinkClaims = z.infer<typeof LinkClaims>;

export type LinkCheck =
  | { ok: true; claims: LinkClaims }
  /** Not a link this gateway could have issued in any form: nothing to attribute it to. */
  | { ok: false; problem: 'malformed'; reason: string }
  /** Well-formed, but the signature does not match: the claims are NOT to be trusted. */
  | { ok: false; problem: 'forged'; reason: string; claims: LinkClaims }
  | { ok: false; problem: 'expired'; reason: string; claims: LinkClaims };

const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64url');

function mac(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

/** Which instance of an incident id a link belongs to: its detection time, in base 36. */
export function instanceTag(detectedAt: string): string {
  return Date.parse(detectedAt).toString(36);
}

/** Stable across retries of the same message, unguessable without the secret. */
export function linkNonce(secret: string, claims: Omit<LinkClaims, 'n'>): string {
  const material = [
    'nonce',
    claims.k,
    claims.i,
    claims.s,
    claims.p,
    claims.a ?? '',
    claims.e,
    claims.r ?? '',
  ].join('\0');
  return mac(secret, material).subarray(0, 16).toString('base64url');
}

export function signLink(secret: string, claims: Omit<LinkClaims, 'n'> & { n?: string }): string {
  const full = LinkClaims.parse({ ...claims, n: claims.n ?? linkNonce(secret, claims) });
  const body = `${VERSION}.${b64(JSON.stringify(full))}`;
  return `${body}.${b64(mac(secret, body))}`;
}

/**
 * Checks a presented token. `secrets`: the current secret first, then any previous one still
 * accepted during a rotation. Expiry is checked only for genuine links.
 */
export function verifyLink(secrets: readonly string[], token: string, nowMs = Date.now()): LinkCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION || !parts[1] || !parts[2])
    return { ok: false, problem: 'malformed', reason: 'not a link issued by lockout-runbook' };
  let claims: LinkClaims;
  try {
    const parsed = LinkClaims.safeParse(JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')));
    if (!parsed.success) return { ok: false, problem: 'malformed', reason: 'the link is incomplete' };
    claims = parsed.data;
  } catch {
    return { ok: false, problem: 'malformed', reason: 'the link is damaged (was it cut short?)' };
  }
  const given = Buffer.from(parts[2], 'base64url');
  const body = `${parts[0]}.${parts[1]}`;
  const genuine = secrets
    .map((secret) => {
      const expected = mac(secret, body);
      return given.length === expected.length && timingSafeEqual(given, expected);
    })
    .includes(true);
  if (!genuine)
    return {
      ok: false,
      problem: 'forged',
      reason: 'the link was not signed by this installation, or was altered',
      claims,
    };
  if (claims.e * 1000 <= nowMs)
    return {
      ok: false,
      problem: 'expired',
      reason: `the link expired at ${new Date(claims.e * 1000).toISOString()}`,
      claims,
    };
  return { ok: true, claims };
}

/**
 * Fingerprint of an approval's exact action: the activity and its arguments as canonical JSON
 * (keys sorted), so the same action always hashes the same and any changed argument does not.
 */
export function actionHash(action: { activity: string; args: Record<string, unknown> } | undefined): string {
  const canonical = stableStringify(action ? { activity: action.activity, args: action.args } : null);
  return createHash('sha256').update(canonical).digest('base64url');
}
