/**
 * The compliance status page: `GET /status` (the page), `GET /status/data` (one page of the open
 * incidents with counts, as JSON, polled by the page; query in gateway/status-list-query.ts),
 * `POST /status/decide` (approve or reject as the signed-in person), `POST /status/reclassify`
 * (move an incident to another pattern's runbook, as the signed-in person), and the sign-in routes for token mode (`/login`, `/logout`). Without an identity every one of
 * them answers 401 and reveals nothing; the POSTs also need the page's CSRF token.
 */
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
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
import type { CrisisLedger } from '../../domain/crisis-budget';
import type { IncidentStatus } from '../../domain/incident';
import { actionHash } from '../../links/token';
import { PATTERNS } from '../../domain/alert';
import { PATTERN_CHOICES } from '../../domain/reclassification';
import { reclassifyIncident, type ReclassifyOutcome } from '../../client/reclassify';
import { replyWithOutcome } from '../action-status';
import { printableDeep } from '../../lib/printable';
import { pageBasics } from '../page-basics';
import { identify, signIn, signOut, type ResponderAuthOptions } from '../responder-auth';
import { DEFAULT_LOGIN_LIMITS, loginLimiter, type LoginCheck, type LoginLimits } from '../login-limits';
import { pruneExpired } from '../../store/prune';
import type { Database } from '../../store/database';
import type { EvidenceStore } from '../../evidence/store';
import { evidencePages } from './evidence-pages';

export interface StatusPageOptions {
  client: Client;
  webUiLink(incidentId: string): string;
  auth: ResponderAuthOptions;
  /** Signs the session and CSRF cookies. */
  sessionSecret: string;
  /** The health panel's rows (cached: many open pages, one round of checks). */
  health(): Promise<HealthRow[]>;
  /** Each incident's crisis budget (docs/readiness.md); absent: the cards show none. */
  budget?(status: IncidentStatus): CrisisLedger | undefined;
  /** How often the page polls (default 5 s). */
  refreshMs?: number;
  /** Sign-in attempts allowed (token mode); DEFAULT_LOGIN_LIMITS when not given. */
  loginLimits?: LoginLimits;
  /** How often expired revocations and closed counters are deleted (default 10 min). */
  pruneEveryMs?: number;
  /** The evidence store closed incidents archive into: listed and served at /status/evidence. */
  evidence?: EvidenceStore;
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

const Reclassification = z
  .object({
    incidentId: z.string().min(1).max(300),
    pattern: z.enum(PATTERNS, { error: `must be one of ${PATTERNS.join(', ')}` }),
    reason: z.string().trim().min(1, 'say why (it goes into the timeline)').max(2000),
  })
  .strict();

/** HTTP status of a reclassification's outcome: as for any action, plus moved/unchanged/pending. */
const RECLASSIFY_STATUS: Record<ReclassifyOutcome['outcome'], number> = {
  accepted: 200,
  moved: 200,
  unchanged: 200,
  pending: 202,
  queued: 202,
  refused: 409,
  busy: 429,
};
/** What the page sends for the review's action items; the incident checks the values again. */
const ReviewRequest = z.discriminatedUnion('action', [
  z
    .object({
      incidentId: z.string().min(1).max(300),
      action: z.literal('add'),
      title: z.string().trim().min(1).max(500),
      owner: z.string().trim().min(1).max(100).optional(),
      due: z.string().max(40).optional(),
    })
    .strict(),
  z
    .object({
      incidentId: z.string().min(1).max(300),
      action: z.literal('assign'),
      item: z.string().min(1).max(10),
      owner: z.string().trim().min(1).max(100),
      due: z.string().max(40).optional(),
    })
    .strict(),
  z
    .object({
      incidentId: z.string().min(1).max(300),
      action: z.literal('close'),
      item: z.string().min(1).max(10),
      note: z.string().trim().max(2000).optional(),
    })
    .strict(),
]);

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
  const { auth } = options.auth;
  const tokensMode = auth.mode === 'tokens';
  const tokenOf = (request: FastifyRequest) => {
    const token = (request.body as { token?: unknown } | undefined)?.token;
    // Trimmed as sign-in trims it: ` x` and `x` are one guess, counted once.
    return typeof token === 'string' ? token.trim() : '';
  };
  const checkLogin =
    auth.mode === 'tokens'
      ? await loginLimiter(app, auth.store, options.loginLimits ?? DEFAULT_LOGIN_LIMITS, tokenOf)
      : async (): Promise<LoginCheck> => ({ ok: true });
  if (auth.mode === 'tokens') prunePeriodically(app, auth.store, options.pruneEveryMs ?? 10 * 60_000);
  const incidents = sharedOpenIncidents(options.client);
  const html = (reply: FastifyReply) => reply.type('text/html; charset=utf-8');

  /** 401 before anything else: no data, no action, not even whether an incident exists. */
  const requirePerson = (wants: 'html' | 'json') => async (request: FastifyRequest, reply: FastifyReply) => {
    const who = await identify(options.auth, request);
    if (who.ok) {
      request.person = who.person;
      return;
    }
    const error = who.status === 503 ? 'sessions cannot be checked' : 'not signed in';
    if (wants === 'json') return reply.status(who.status).send({ error, reason: who.reason });
    return html(reply.status(who.status)).send(
      renderPage(
        'unauthenticated',
        { title: who.status === 503 ? 'Try again shortly' : 'Not signed in' },
        { reason: who.reason, login: tokensMode && who.status === 401 },
      ),
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
  /** Counted before anything else, the CSRF check included: every attempt is one. */
  const limitLogin = async (request: FastifyRequest, reply: FastifyReply) => {
    const check = await checkLogin(request);
    if (check.ok) return;
    const page = (error: string) =>
      html(reply).send(renderPage('login', { title: 'Sign in', csrf: reply.generateCsrf() }, { error }));
    if (check.limit === 'unavailable') {
      request.log.error({ err: check.error }, 'status page sign-in refused: the shared store is unreachable');
      void reply.status(503);
      return page(
        'Signing in is not possible right now (the shared store is unreachable). Try again shortly.',
      );
    }
    const seconds = Math.max(1, Math.ceil(check.retryAfterMs / 1000));
    const at = new Date(Date.now() + seconds * 1000).toISOString().slice(11, 19);
    request.log.warn(
      { limit: check.limit, retryAfterSeconds: seconds },
      'status page sign-in refused: too many attempts',
    );
    void reply.status(429).header('retry-after', String(seconds));
    return page(
      `Too many sign-in attempts ${check.limit === 'address' ? 'from your address' : 'with this token'}. Try again at ${at} UTC (in ${humanSeconds(seconds)}).`,
    );
  };

  app.post<{ Body: { token?: unknown } | undefined }>(
    '/login',
    { preHandler: [limitLogin, app.csrfProtection] },
    async (request, reply) => {
      const token = tokenOf(request);
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
  app.post('/logout', { preHandler: app.csrfProtection }, async (request, reply) => {
    try {
      await signOut(options.auth, request, reply);
    } catch (err) {
      request.log.error(
        { err: (err as Error).message },
        'sign-out not recorded: the shared store is unreachable',
      );
      return html(reply.status(503)).send(
        renderPage(
          'unauthenticated',
          { title: 'Not signed out' },
          {
            reason:
              'Your sign-out could not be recorded (the shared store is unreachable): the session may still work elsewhere. Try again shortly.',
          },
        ),
      );
    }
    return reply.redirect(tokensMode ? '/login' : '/status', 303);
  });

  if (options.evidence) evidencePages(app, options.evidence, requirePerson('html'), tokensMode);

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
        { refreshMs: options.refreshMs ?? 5_000, filters: FILTER_CHOICES, patterns: PATTERN_CHOICES },
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
      // Titles, reasons and refusals come from outside: no control or bidi characters on the page.
      return printableDeep(
        buildOverview({
          list,
          reads,
          person: request.person!,
          webUiLink: options.webUiLink,
          health,
          now,
          budget: options.budget,
        }),
      );
    } catch (err) {
      if (!isTemporalUnavailable(err)) throw err;
      return reply
        .status(503)
        .send({ error: 'Temporal is unreachable: incidents cannot be listed right now' });
    }
  });

  /** The post-incident review's action items, as the signed-in person (docs/evidence.md). */
  app.post(
    '/status/review',
    { preHandler: [requirePerson('json'), app.csrfProtection] },
    async (request, reply) => {
      const parsed = ReviewRequest.safeParse(request.body);
      if (!parsed.success)
        return reply.status(400).send({
          error: 'invalid review action',
          problems: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`),
        });
      const { incidentId, ...body } = parsed.data;
      const who = { by: request.person!, via: VIA_STATUS_PAGE };
      const result =
        body.action === 'add'
          ? await sendAction(options.client, incidentId, 'addReviewItem', {
              ...who,
              title: body.title,
              ...(body.owner ? { owner: body.owner } : {}),
              ...(body.due ? { due: body.due } : {}),
            })
          : body.action === 'assign'
            ? await sendAction(options.client, incidentId, 'assignReviewItem', {
                ...who,
                item: body.item,
                owner: body.owner,
                ...(body.due ? { due: body.due } : {}),
              })
            : await sendAction(options.client, incidentId, 'closeReviewItem', {
                ...who,
                item: body.item,
                ...(body.note ? { note: body.note } : {}),
              });
      request.log.info(
        { incidentId, action: body.action, outcome: result.outcome },
        'status page review action',
      );
      incidents.refresh();
      return replyWithOutcome(reply, result).send(result);
    },
  );

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
      return replyWithOutcome(reply, result).send(result);
    },
  );

  app.post(
    '/status/reclassify',
    { preHandler: [requirePerson('json'), app.csrfProtection] },
    async (request, reply) => {
      const parsed = Reclassification.safeParse(request.body);
      if (!parsed.success)
        return reply.status(400).send({
          error: 'invalid reclassification',
          problems: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`),
        });
      const { incidentId, pattern, reason } = parsed.data;
      const read = await readIncident(options.client, incidentId);
      if (!read.ok) return reply.status(read.httpStatus).send({ error: read.reason });
      // A page waits less than a terminal: what is not done in 10 s shows up in the timeline.
      const result = await reclassifyIncident(
        options.client,
        incidentId,
        { pattern, by: request.person!, reason },
        { followForMs: 10_000 },
      );
      request.log.info({ incidentId, pattern, outcome: result.outcome }, 'status page reclassification');
      incidents.refresh();
      if (result.outcome === 'busy') void reply.header('retry-after', String(result.retryAfterSeconds));
      return reply.status(RECLASSIFY_STATUS[result.outcome]).send(result);
    },
  );
};

/** `90 s` → `2 minutes`: the wait, roughly, in the unit a person reads. */
function humanSeconds(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes < 90 ? `${minutes} minutes` : `${Math.ceil(minutes / 60)} hours`;
}

/** Deletes expired revocations and closed counters now and then; any replica may, all is shared. */
function prunePeriodically(app: FastifyInstance, store: Database, everyMs: number): void {
  const prune = () =>
    void pruneExpired(store).catch((err: Error) =>
      app.log.warn({ err: err.message }, 'pruning the shared store failed; will try again'),
    );
  const timer = setInterval(prune, everyMs).unref();
  app.addHook('onClose', async () => clearInterval(timer));
}
