/**
 * The HTTP front door: one Fastify instance, each group of routes a plugin in gateway/routes/.
 * Alerts come in here; each becomes a new incident or joins the running one. Bad requests get a
 * 4xx naming what to fix and never touch Temporal.
 *
 * Adding routes: write gateway/routes/<name>.ts exporting a Fastify plugin, and register it
 * below with one line, passing what it needs from GatewayOptions.
 */
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
} from 'fastify';
import { parseJsonText } from '../lib/json-text';
import type { Logger } from '../lib/logger';
import { journeysRoutes } from './routes/journeys';
import type { JourneyModes } from '../domain/journeys';
import { fileJourneyModes } from '../journeys/journeys-file';
import type { Replays } from './replay-guard';
import { NO_RULES, type ClassificationRules } from '../intake/classify';
import type { IntakeOptions } from '../client/open-incident';
import type { SourceKind } from '../intake/source-alert';
import type { SourceAuth } from './auth';
import { GatewayMetrics, type RejectionReason } from './metrics';
import { alertRoutes } from './routes/alerts';
import { healthRoutes, type ReadinessCheck } from './routes/health';
import { metricsRoutes } from './routes/metrics';
import { crmWritesRoutes, type CrmWritesOptions } from './routes/crm-writes';
import { linkRoutes } from './routes/links';
import { smsRepliesRoutes, type SmsRepliesOptions } from './routes/sms-replies';
import { statusPageRoutes, type StatusPageOptions } from './routes/status-page';
import type { LinkDesk } from './link-redeem';
import { codecRoutes, type CodecRoutesOptions } from './routes/codec';

export interface GatewayOptions {
  intake: IntakeOptions;
  /** Link to an incident in the Temporal Web UI. */
  webUiLink(incidentId: string): string;
  logger?: Logger;
  bodyLimit?: number;
  /** The published journey modes (LOCKOUT_JOURNEYS_FILE), served at GET /journeys. */
  journeysFile?: string;
  /** The modes in the shared store instead of that file (several workers and gateways). */
  journeyModes?: JourneyModes;
  /** Signatures of signed alerts already recorded; per process by default. */
  replays?: Replays;
  /** What GET /healthz checks (Temporal, the shared store); none: it only says the process answers. */
  readiness?: ReadinessCheck[];
  /** How each alert source proves itself; a source not listed here is refused (401). */
  sources?: Partial<Record<SourceKind, SourceAuth>>;
  /** The current classification rules (config/classification.yaml); none by default. */
  classification?: () => ClassificationRules;
  /** Where the gateway counts; a fresh registry by default. */
  metrics?: GatewayMetrics;
  /** Bearer token GET /metrics requires (LOCKOUT_METRICS_TOKEN); unset: open. */
  metricsToken?: string;
  /** The CRM sync buffer's intake (POST /crm/writes); absent: not served. */
  crmWrites?: Omit<CrmWritesOptions, 'client'>;
  /** Signed links (/approve, /ack, /receipt); without it those routes say links are not enabled. */
  links?: LinkDesk;
  /** The compliance status page (/status, /login); not served without it. */
  statusPage?: StatusPageOptions;
  /** Replies to our SMS (POST /twilio/sms, LOCKOUT_SMS_REPLIES=on); not served without it. */
  smsReplies?: Omit<SmsRepliesOptions, 'metrics'>;
  /** The codec server for the Web UI and CLI (POST /codec/encode|decode); not served without it. */
  codec?: CodecRoutesOptions;
}

const CLIENT_ERRORS: Record<string, { reason: RejectionReason; message: (limit: number) => string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    reason: 'unsupported_media_type',
    message: () => 'Content-Type must be application/json (Datadog: untick "Encode as form")',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    reason: 'body_too_large',
    message: (limit) => `body larger than ${limit} bytes`,
  },
};

export function buildGateway(options: GatewayOptions): FastifyInstance {
  const metrics = options.metrics ?? new GatewayMetrics();
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger | undefined,
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    // One line per request, written below with the route and status, never headers or bodies.
    logController: new LogController({ disableRequestLogging: true }),
  });

  // Alerts are JSON; anything else is 415, not parsed as text.
  app.removeContentTypeParser('text/plain');
  // Every JSON body has a nesting limit (alert routes parse their raw bodies the same way).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    try {
      done(null, parseJsonText(text as string));
    } catch (err) {
      done(Object.assign(new Error(`invalid JSON: ${(err as Error).message}`), { statusCode: 400 }));
    }
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    const known = err.code ? CLIENT_ERRORS[err.code] : undefined;
    const source = (request.routeOptions.config as { source?: SourceKind } | undefined)?.source;
    if (known && source) metrics.rejections.inc({ source, reason: known.reason });
    if (status === 500) request.log.error({ err }, 'request failed');
    const message = known
      ? known.message(app.initialConfig.bodyLimit ?? 0)
      : status === 500
        ? 'internal error'
        : err.message;
    void reply.status(status).send({ error: message });
  });

  const journeyModes =
    options.journeyModes ?? (options.journeysFile ? fileJourneyModes(options.journeysFile) : undefined);
  if (journeyModes) void app.register(journeysRoutes, { modes: journeyModes });
  if (options.crmWrites)
    void app.register(crmWritesRoutes, { client: options.intake.client, ...options.crmWrites });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}` });
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    metrics.requestDuration.observe({ route }, reply.elapsedTime / 1000);
    request.log.info(
      { method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  void app.register(healthRoutes, { checks: options.readiness });
  void app.register(linkRoutes, { desk: options.links, webUiLink: options.webUiLink });
  if (options.statusPage) void app.register(statusPageRoutes, options.statusPage);
  if (options.smsReplies) void app.register(smsRepliesRoutes, { ...options.smsReplies, metrics });
  void app.register(metricsRoutes, { metrics, token: options.metricsToken });
  if (options.codec) void app.register(codecRoutes, options.codec);
  void app.register(alertRoutes, {
    intake: options.intake,
    webUiLink: options.webUiLink,
    sources: options.sources ?? {},
    classification: options.classification ?? (() => NO_RULES),
    metrics,
    replays: options.replays,
  });

  return app;
}
