/**
 * Who is looking at the status page. Two modes:
 * - `tokens` (embedded default): a person signs in with their responder token; the gateway sets
 *   a signed, HttpOnly session cookie `<person>.<expiry>` (no server-side store, so every
 *   replica accepts it). It holds only while the person is still in the responders file.
 * - `proxy` (SSO): a reverse proxy authenticates and names the person in a header. The header is
 *   believed only when this mode is on and only from the proxy's addresses.
 * Either way the person must be known to the directory, when one is given.
 */
import type {} from '@fastify/cookie'; // request.cookies, reply.setCookie
import type { FastifyReply, FastifyRequest } from 'fastify';
import { personForToken, type Responders } from '../links/responders-file';

export const SESSION_COOKIE = 'lockout_session';

export type ResponderAuthMode =
  | { mode: 'tokens'; responders: () => Responders }
  | { mode: 'proxy'; header: string; allowFrom: readonly string[] };

export interface ResponderAuthOptions {
  auth: ResponderAuthMode;
  sessionTtlMs: number;
  /** Set the cookie's Secure flag (the gateway's public URL is https). */
  secureCookies: boolean;
  /** Whether a person id exists (the directory); unknown identities are refused. */
  knownPerson?: (id: string) => boolean;
}

export type Identification = { ok: true; person: string } | { ok: false; reason: string };

export function identify(options: ResponderAuthOptions, request: FastifyRequest): Identification {
  const { auth } = options;
  let person: string;
  if (auth.mode === 'proxy') {
    if (!auth.allowFrom.includes(request.socket.remoteAddress ?? ''))
      return { ok: false, reason: 'this gateway accepts the status page only through its sign-in proxy' };
    const value = request.headers[auth.header];
    const named = (Array.isArray(value) ? value[0] : value)?.trim();
    if (!named) return { ok: false, reason: 'your sign-in proxy did not say who you are' };
    person = named;
  } else {
    const raw = request.cookies[SESSION_COOKIE];
    const unsigned = raw ? request.unsignCookie(raw) : undefined;
    if (!unsigned?.valid || !unsigned.value)
      return { ok: false, reason: 'sign in with your responder token' };
    const dot = unsigned.value.lastIndexOf('.');
    const expires = Number(unsigned.value.slice(dot + 1));
    person = unsigned.value.slice(0, dot);
    if (!(expires > Date.now())) return { ok: false, reason: 'your session expired: sign in again' };
    if (![...auth.responders().values()].includes(person))
      return { ok: false, reason: 'your access was withdrawn: ask for a new token' };
  }
  if (options.knownPerson && !options.knownPerson(person))
    return { ok: false, reason: `"${person}" is not a person of the responder directory` };
  return { ok: true, person };
}

/** Token sign-in: the person, or undefined for a wrong token (never says which part was wrong). */
export function signIn(
  options: ResponderAuthOptions,
  reply: FastifyReply,
  token: string,
): string | undefined {
  if (options.auth.mode !== 'tokens') return undefined;
  const person = personForToken(options.auth.responders(), token);
  if (!person || (options.knownPerson && !options.knownPerson(person))) return undefined;
  void reply.setCookie(SESSION_COOKIE, `${person}.${Date.now() + options.sessionTtlMs}`, {
    signed: true,
    httpOnly: true,
    sameSite: 'strict',
    secure: options.secureCookies,
    path: '/',
    maxAge: Math.floor(options.sessionTtlMs / 1000),
  });
  return person;
}

export function signOut(reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, { path: '/' });
}
