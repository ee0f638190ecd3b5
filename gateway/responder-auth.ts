/**
 * Who is looking at the status page. Two modes:
 * - `tokens` (embedded default): a person signs in with their responder token; the gateway sets
 *   a signed, HttpOnly session cookie `<person>.<session id>.<expiry>`. Any replica can check
 *   the signature; signing out records the session id in the shared store (store/), which every
 *   replica asks before it believes a cookie. It holds only while the person is still in the
 *   responders file.
 * - `proxy` (SSO): a reverse proxy authenticates and names the person in a header. The header is
 *   believed only when this mode is on and only from the proxy's addresses.
 * Either way the person must be known to the directory, when one is given.
 */
import { randomBytes } from 'node:crypto';
import type {} from '@fastify/cookie'; // request.cookies, reply.setCookie
import type { FastifyReply, FastifyRequest } from 'fastify';
import { personForToken, type Responders } from '../links/responders-file';
import type { Database } from '../store/database';
import { isSessionRevoked, revokeSession } from '../store/revoked-sessions';

export const SESSION_COOKIE = 'lockout_session';

export type ResponderAuthMode =
  | {
      mode: 'tokens';
      responders: () => Responders;
      /** The shared store: where signed-out sessions are recorded. */
      store: Database;
    }
  | { mode: 'proxy'; header: string; allowFrom: readonly string[] };

export interface ResponderAuthOptions {
  auth: ResponderAuthMode;
  sessionTtlMs: number;
  /** Set the cookie's Secure flag (the gateway's public URL is https). */
  secureCookies: boolean;
  /** Whether a person id exists (the directory); unknown identities are refused. */
  knownPerson?: (id: string) => boolean;
}

export type Identification =
  | { ok: true; person: string }
  /** 401: sign in (again); 503: the session could not be checked, so it is not believed. */
  | { ok: false; status: 401 | 503; reason: string };

interface Session {
  person: string;
  id: string;
  expires: number;
}

/** The signed session cookie's content, or undefined when absent, forged or not in today's form. */
function readSession(request: FastifyRequest): Session | undefined {
  const raw = request.cookies[SESSION_COOKIE];
  const unsigned = raw ? request.unsignCookie(raw) : undefined;
  if (!unsigned?.valid || !unsigned.value) return undefined;
  // The person id may hold dots; the session id (base64url) and expiry (digits) do not.
  const match = /^(.+)\.([A-Za-z0-9_-]{22})\.(\d{1,15})$/.exec(unsigned.value);
  return match ? { person: match[1]!, id: match[2]!, expires: Number(match[3]) } : undefined;
}

const refused = (status: 401 | 503, reason: string): Identification => ({ ok: false, status, reason });

export async function identify(
  options: ResponderAuthOptions,
  request: FastifyRequest,
): Promise<Identification> {
  const { auth } = options;
  let person: string;
  if (auth.mode === 'proxy') {
    if (!auth.allowFrom.includes(request.socket.remoteAddress ?? ''))
      return refused(401, 'this gateway accepts the status page only through its sign-in proxy');
    const value = request.headers[auth.header];
    const named = (Array.isArray(value) ? value[0] : value)?.trim();
    if (!named) return refused(401, 'your sign-in proxy did not say who you are');
    person = named;
  } else {
    const session = readSession(request);
    if (!session) return refused(401, 'sign in with your responder token');
    if (!(session.expires > Date.now())) return refused(401, 'your session expired: sign in again');
    let revoked: boolean;
    try {
      revoked = await isSessionRevoked(auth.store, session.id);
    } catch (err) {
      // Fail closed: a session we cannot check may be one that was signed out.
      request.log.error(
        { err: (err as Error).message },
        'session check failed: the shared store is unreachable',
      );
      return refused(
        503,
        'sessions cannot be checked right now (the shared store is unreachable): try again shortly',
      );
    }
    if (revoked) return refused(401, 'you signed out of this session: sign in again');
    person = session.person;
    if (![...auth.responders().values()].includes(person))
      return refused(401, 'your access was withdrawn: ask for a new token');
  }
  if (options.knownPerson && !options.knownPerson(person))
    return refused(401, `"${person}" is not a person of the responder directory`);
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
  const id = randomBytes(16).toString('base64url');
  void reply.setCookie(SESSION_COOKIE, `${person}.${id}.${Date.now() + options.sessionTtlMs}`, {
    signed: true,
    httpOnly: true,
    sameSite: 'strict',
    secure: options.secureCookies,
    path: '/',
    maxAge: Math.floor(options.sessionTtlMs / 1000),
  });
  return person;
}

/**
 * Ends the session on every replica (tokens mode), then clears the cookie. Throws when the
 * store cannot record it: the caller must say the sign-out did not happen.
 */
export async function signOut(
  options: ResponderAuthOptions,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const session = options.auth.mode === 'tokens' ? readSession(request) : undefined;
  if (options.auth.mode === 'tokens' && session && session.expires > Date.now())
    await revokeSession(options.auth.store, session.id, new Date(session.expires));
  void reply.clearCookie(SESSION_COOKIE, { path: '/' });
}
