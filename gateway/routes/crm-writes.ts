/**
 * POST /crm/writes: the storefront's CRM writes go into the sync buffer (and from there to
 * Salesforce, now or after a lockout). 202 means durable: every write is recorded in Temporal.
 * Authenticated with a bearer token before the body is read; a bad body is refused whole, naming
 * each field.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyPluginAsync, onRequestAsyncHookHandler } from 'fastify';
import { parseCrmWriteBody } from '../../domain/crm-write';
import { bufferWrites } from '../../client/crm-sync';

export interface CrmWritesOptions {
  client: Client;
  /** The sync worker's task queue. */
  taskQueue: string;
  /** Bearer token the storefront sends; unset: the endpoint refuses everything. */
  token?: string;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Credentials first (onRequest runs before the body is read): a stranger learns nothing from 400s. */
function requireToken(token: string | undefined): onRequestAsyncHookHandler {
  return async (request, reply) => {
    if (!token)
      return reply
        .status(503)
        .send({ error: 'CRM write buffer not enabled: set LOCKOUT_CRM_WRITES_TOKEN on the gateway' });
    // The scheme is case-insensitive (RFC 9110), as on /alerts/*.
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
    if (!sameSecret(bearer, token))
      return reply
        .status(401)
        .send({ error: 'missing or wrong bearer token: send "Authorization: Bearer <token>"' });
  };
}

export const crmWritesRoutes: FastifyPluginAsync<CrmWritesOptions> = async (app, options) => {
  app.post('/crm/writes', { onRequest: requireToken(options.token) }, async (request, reply) => {
    const parsed = parseCrmWriteBody(request.body);
    if (!parsed.success) {
      return reply.status(400).send({
        error: 'invalid CRM write',
        problems: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`),
      });
    }
    try {
      const receipts = await bufferWrites(options.client, options.taskQueue, parsed.writes);
      return reply
        .status(202)
        .send({ accepted: receipts.length, records: new Set(receipts.map((r) => r.record)).size });
    } catch (err) {
      request.log.error({ err: (err as Error).message }, 'could not reach Temporal for CRM writes');
      return reply.status(503).send({
        error: 'Temporal is unreachable; send the writes again (repeats are recognised by writeId)',
      });
    }
  });
};
