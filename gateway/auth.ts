/**
 * Proving who sent an alert: a bearer token, or an HMAC-SHA256 signature over
 * `<timestamp>.<raw body>` whose timestamp must be within the replay window. Secrets are compared
 * in constant time; a refusal says what is wrong without revealing anything about the secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type SourceAuth =
  | { mode: 'none' }
  | { mode: 'bearer'; tokens: string[] }
  | { mode: 'hmac'; secrets: string[]; replayWindowMs: number }
  /** Configured, but its secret is missing on this gateway: every request is refused. */
  | { mode: 'unavailable' };

export const TIMESTAMP_HEADER = 'x-lockout-timestamp';
export const SIGNATURE_HEADER = 'x-lockout-signature';

export type AuthResult =
  | {
      ok: true;
      /** For HMAC: the signature and its timestamp, so the gateway can refuse an exact replay. */
      signed?: { signature: string; timestampMs: number; windowMs: number };
    }
  | {
      ok: false;
      reason: 'not-configured' | 'missing-credentials' | 'bad-credentials' | 'stale-timestamp';
      message: string;
    };

/** `sha256=<hex>`, the value of X-Lockout-Signature for a body sent at `timestamp` (Unix seconds). */
export function signBody(secret: string, timestamp: string | number, rawBody: Buffer | string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
  return `sha256=${mac}`;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // timingSafeEqual needs equal lengths; comparing b with itself keeps the time independent of a.
  return a.length === b.length ? timingSafeEqual(a, b) : !timingSafeEqual(b, b);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function authenticate(
  auth: SourceAuth | undefined,
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  now = Date.now(),
): AuthResult {
  if (!auth || auth.mode === 'unavailable') {
    return {
      ok: false,
      reason: 'not-configured',
      message: 'this alert source has no credentials configured on the gateway: every request is refused',
    };
  }
  if (auth.mode === 'none') return { ok: true };

  if (auth.mode === 'bearer') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header(headers, 'authorization') ?? '');
    if (!match) {
      return {
        ok: false,
        reason: 'missing-credentials',
        message: 'send the source token as "Authorization: Bearer <token>"',
      };
    }
    const given = match[1]!;
    // Every configured token is compared, so timing does not tell which one came close.
    const valid = auth.tokens.map((t) => sameSecret(given, t)).includes(true);
    return valid
      ? { ok: true }
      : { ok: false, reason: 'bad-credentials', message: 'the bearer token is not valid' };
  }

  const timestamp = header(headers, TIMESTAMP_HEADER);
  const signature = header(headers, SIGNATURE_HEADER);
  if (!timestamp || !signature) {
    return {
      ok: false,
      reason: 'missing-credentials',
      message: `send ${TIMESTAMP_HEADER} (Unix seconds) and ${SIGNATURE_HEADER} (sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">)`,
    };
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: 'missing-credentials', message: `${TIMESTAMP_HEADER} must be Unix seconds` };
  }
  const skewMs = Math.abs(now - Number(timestamp) * 1000);
  if (skewMs > auth.replayWindowMs) {
    return {
      ok: false,
      reason: 'stale-timestamp',
      message: `${TIMESTAMP_HEADER} is ${Math.round(skewMs / 1000)}s away from the gateway's clock; the window is ${auth.replayWindowMs / 1000}s`,
    };
  }
  const valid = auth.secrets
    .map((s) => sameSecret(signature, signBody(s, timestamp, rawBody)))
    .includes(true);
  return valid
    ? {
        ok: true,
        signed: { signature, timestampMs: Number(timestamp) * 1000, windowMs: auth.replayWindowMs },
      }
    : {
        ok: false,
        reason: 'bad-credentials',
        message: `${SIGNATURE_HEADER} does not match the body and timestamp`,
      };
}
