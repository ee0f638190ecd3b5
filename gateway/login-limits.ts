/**
 * Sign-in attempt limits for `POST /login`, per client address and per presented token, with
 * @fastify/rate-limit counting in the shared store so that the limits hold across replicas.
 * Every attempt counts, right or wrong. The address is checked first: once it is over its limit,
 * even the right token is refused. Tokens are counted by their hash, never kept in clear.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AttemptLimit } from '../config/env';
import type { Database } from '../store/database';
import { sha256 } from '../store/hash';
import { sharedRateLimitStore } from '../store/rate-limit-store';

export interface LoginLimits {
  perAddress: AttemptLimit;
  perToken: AttemptLimit;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAddress: { max: 10, windowMs: 15 * 60_000 },
  perToken: { max: 5, windowMs: 15 * 60_000 },
};

export type LoginCheck =
  | { ok: true }
  | { ok: false; limit: 'address' | 'token'; retryAfterMs: number }
  /** The store did not answer: refuse (503) rather than allow unlimited guessing. */
  | { ok: false; limit: 'unavailable'; error: string };

/** Registers the plugin on `app` (one plugin scope) and returns the check for one attempt. */
export async function loginLimiter(
  app: FastifyInstance,
  store: Database,
  limits: LoginLimits,
  tokenOf: (request: FastifyRequest) => string,
): Promise<(request: FastifyRequest) => Promise<LoginCheck>> {
  await app.register(rateLimit, { global: false, store: sharedRateLimitStore(store) });
  const byAddress = app.createRateLimit({
    max: limits.perAddress.max,
    timeWindow: limits.perAddress.windowMs,
    keyGenerator: (request) => `login:address:${request.ip}`,
  });
  const byToken = app.createRateLimit({
    max: limits.perToken.max,
    timeWindow: limits.perToken.windowMs,
    keyGenerator: (request) => `login:token:${sha256(tokenOf(request))}`,
  });
  return async (request) => {
    try {
      const address = await byAddress(request);
      if (!address.isAllowed && address.isExceeded)
        return { ok: false, limit: 'address', retryAfterMs: address.ttl };
      if (!tokenOf(request)) return { ok: true }; // nothing to guess with
      const token = await byToken(request);
      if (!token.isAllowed && token.isExceeded) return { ok: false, limit: 'token', retryAfterMs: token.ttl };
      return { ok: true };
    } catch (err) {
      return { ok: false, limit: 'unavailable', error: (err as Error).message };
    }
  };
}
