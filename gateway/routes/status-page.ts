/**
 * The compliance status page: `GET /status` (the page), `GET /status/data` (one page of the open
 * incidents with counts, as JSON, polled by the page; query in gateway/status-list-query.ts), `POST /status/decide` (approve or reject as the signed-in person),
 * and the sign-in routes for token mode (`/login`, `/logout`). Without an identity every one of
 * them answers 401 and reveals nothing; the POSTs also need the page's CSRF token.
 */
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import type { Client } from '@temporalio/client';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { HealthRow } from '../../status-page/health';
import { sendAction } from '../../client/actions';
import { isTemporalUnavailable, readIncident } from '../../client/status';
import { sharedOpenIncidents } from '../../client/open-incidents';
import { buildOverview } from '../../status-page/overview';
import { listPage } from '../../status-page/incident-list';
import { FILTER_CHOICES, parseStatusListQuery } from '../status-list-query';
import { asset, renderPage } from '../../status-page/pages';
import type { DecisionInput } from '../../domain/responder-input';
import { actionHash } from '../../links/token';
import { pageBasics } from '../page-basics';
import { identify, signIn, signOut, type ResponderAuthOptions } from '../responder-auth';

export interface StatusPageOptions {
  client: Client;
  webUiLink(incidentId: string): string;
  auth: ResponderAuthOptions;
  /** Signs the session and CSRF cookies. */
  sessionSecret: string;
  /** The health panel's rows (cached: many open pages, one round of checks). */
  health(): Promise<HealthRow[]>;
  /** How often the page polls (default 5 s). */
  refreshMs?: number;
}

export const VIA_STATUS_PAGE = 'status page';

const Decision = z
  .object({
    incidentId: z.string().min(1).max(300),
    step: z.string().min(1).max(100),
    decision: z.enum(['approve', 'reject']),
    reason: z.string().trim().max(1000).optional(),
    /** The action as the page showed it: a decision applies to exactly that. */
    actionHash: z.string().min(1).max(100),
  })
  .strict();

declare module 'fastify' {
  interface FastifyRequest {
    person?: string;
  }
}

export const statusPageRoutes: FastifyPluginAsync<StatusPageOptions> = async (app, options) => {
  await pageBasics(app);
  await app.register(cookie, { secret: options.sessionSecret });
  await app.register(csrf, {
    cookieOpts: {
      signed: true,
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: options.auth.secureCookies,
    },
    getToken: (request) => {
      const header = request.headers['x-csrf-token'];
      if (typeof header === 'string') return header;
      const body = request.body as { _csrf?: unknown } | undefined;
      return typeof body?._csrf === 'string' ? body._csrf : undefined;
    },
  });
  const tokensMode = options.auth.auth.mode === 'tokens';
  const incidents = sharedOpenIncidents(options.client);
  const html = (reply: FastifyReply) => reply.type('text/html; charset=utf-8');

  /** 401 before anything else: no data, no action, not even whether an incident exists. */
  const requirePerson = (wants: 'html' | 'json') => async (request: FastifyRequest, reply: FastifyReply) => {
    const who = identify(options.auth, request);
    if (who.ok) {
      request.person = who.person;
      return;
    }
    if (wants === 'json') return reply.status(401).send({ error: 'not signed in', reason: who.reason });
    return html(reply.status(401)).send(
      renderPage('unauthenticated', { title: 'Not signed in' }, { reason: who.reason, login: tokensMode }),
    );
  };

  app.get('/assets/cockpit.css', async (_request, reply) =>
    reply.type('text/css').send(asset('cockpit.css')),
  );
  app.get('/assets/status.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(asset('status.js')),
  );

  app.get('/login', async (_request, reply) => {
    if (!tokensMode) return reply.redirect('/status', 303);
    return html(reply).send(renderPage('login', { title: 'Sign in', csrf: reply.generateCsrf() }, {}));
  });
  app.post<{ Body: { token?: unknown } | undefined }>(
    '/login',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const token = typeof request.body?.token === 'string' ? request.body.token : '';
      const person = tokensMode ? signIn(options.auth, reply, token) : undefined;
      if (person) {
        request.log.info({ person }, 'status page sign-in');
        return reply.redirect('/status', 303);
      }
      request.log.warn({}, 'status page sign-in refused');
      return html(reply.status(401)).send(
        renderPage(
          'login',
          { title: 'Sign in', csrf: reply.generateCsrf() },
          { error: 'That token is not valid here. Check it, or ask for a new one.' },
        ),
      );
    },
  );
  app.post('/logout', { preHandler: app.csrfProtection }, async (_request, reply) => {
    signOut(reply);
    return reply.redirect(tokensMode ? '/login' : '/status', 303);
  });

  app.get('/status', { preHandler: requirePerson('html') }, async (request, reply) =>
    html(reply).send(
      renderPage(
        'status',
        {
          title: 'Compliance status',
          person: request.person,
          logout: tokensMode,
          csrf: reply.generateCsrf(),
          script: '/assets/status.js',
        },
        { refreshMs: options.refreshMs ?? 5_000, filters: FILTER_CHOICES },
      ),
    ),
  );

  /** One page of the open incidents: every one is listed from visibility, only the page is queried. */
  app.get('/status/data', { preHandler: requirePerson('json') }, async (request, reply) => {
    const parsed = parseStatusListQuery(request.query);
    if (!parsed.ok) return reply.status(400).send({ error: 'invalid query', problems: parsed.problems });
    const now = new Date();
    try {
      const [all, health] = await Promise.all([incidents.list(), options.health()]);
      const list = listPage(all, { ...parsed.query, person: request.person!, now });
      const reads = await incidents.statuses(list.incidents.map((i) => i.id));
      return buildOverview({
        list,
        reads,
        person: request.person!,
        webUiLink: options.webUiLink,
        health,
        now,
      });
    } catch (err) {
      if (!isTemporalUnavailable(err)) throw err;
      return reply
        .status(503)
        .send({ error: 'Temporal is unreachable: incidents cannot be listed right now' });
    }
  });

  app.post(
    '/status/decide',
    { preHandler: [requirePerson('json'), app.csrfProtection] },
    async (request, reply) => {
      const parsed = Decision.safeParse(request.body);
      if (!parsed.success)
        return reply.status(400).send({
          error: 'invalid decision',
          problems: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`),
        });
      const { incidentId, step, decision, reason, actionHash: shown } = parsed.data;
      if (decision === 'reject' && !reason)
        return reply
          .status(400)
          .send({ error: 'invalid decision', problems: ['reason: say why you reject'] });
      const read = await readIncident(options.client, incidentId);
      if (!read.ok) return reply.status(read.httpStatus).send({ error: read.reason });
      const approval = read.status.approvals.filter((a) => a.step === step).at(-1);
      if (approval && actionHash(approval.action) !== shown)
        return reply.status(409).send({
          outcome: 'refused',
          message: 'the action changed since your page showed it: look at it again before deciding',
        });
      const input: DecisionInput = {
        step,
        by: request.person!,
        via: VIA_STATUS_PAGE,
        ...(reason ? { reason } : {}),
      };
      const result =
        decision === 'approve'
          ? await sendAction(options.client, incidentId, 'approve', input)
          : await sendAction(options.client, incidentId, 'reject', input);
      request.log.info({ incidentId, step, decision, outcome: result.outcome }, 'status page decision');
      incidents.refresh();
      return reply
        .status(result.outcome === 'accepted' ? 200 : result.outcome === 'queued' ? 202 : 409)
        .send(result);
    },
  );
};
