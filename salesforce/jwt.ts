/**
 * The assertion of the OAuth 2.0 JWT bearer flow: a JWT signed with the connected app's private
 * key (RS256) saying "this client acts as this user", valid for a few minutes.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';

export interface JwtClaims {
  /** The connected app's consumer key. */
  clientId: string;
  username: string;
  audience: string;
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** Salesforce refuses assertions that expire more than a few minutes ahead. */
const LIFETIME_SECONDS = 180;

export function jwtBearerAssertion(claims: JwtClaims, privateKey: KeyObject, nowMs = Date.now()): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const payload = base64url(
    JSON.stringify({
      iss: claims.clientId,
      sub: claims.username,
      aud: claims.audience,
      exp: Math.floor(nowMs / 1000) + LIFETIME_SECONDS,
    }),
  );
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), privateKey);
  return `${header}.${payload}.${base64url(signature)}`;
}

/** A PEM private key, with an error that says what is wrong with the file instead of an OpenSSL code. */
export function loadPrivateKey(pem: string, file: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new Error(`${file}: not a PEM private key (${(err as Error).message})`, { cause: err });
  }
}
