/**
 * The HTTP front door. Alerts come in here; each becomes a new incident or joins the running one.
 * Bad requests get a 4xx naming what to fix and never touch Temporal.
 */
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from '../config/logger';
import { AlertRejected, parseGenericAlert } from '../intake/alerts';
import { openOrJoinIncident, type IntakeOptions } from '../intake/open-incident';
import { journeysRoutes } from './routes/journeys';

export interface GatewayOptions {
  intake: IntakeOptions;
  /** Link to an incident in the Temporal Web UI. */
  webUiLink(incidentId: string): string;
  logger?: Logger;
  bodyLimit?: number;
  /** The published journey modes (LOCKOUT_JOURNEYS_FILE), served at GET /journeys. */
  journeysFile?: string;
}

export function buildGateway(options: GatewayOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger | undefined,
    bodyLimit: options.bodyLimit ?? 256 * 1024,
  });

  // Alerts are JSON; anything else is 415, not parsed as text.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) request.log.error({ err }, 'request failed');
    const message =
      err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? 'Content-Type must be application/json'
        : err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? `body larger than ${app.initialConfig.bodyLimit} bytes`
          : status === 500
            ? 'internal error'
            : err.message;
    void reply.status(status).send({ error: message });
  });

  app.get('/healthz', async () => ({ ok: true }));
  if (options.journeysFile) void app.register(journeysRoutes, { file: options.journeysFile });

  app.post('/alerts/generic', async (request, reply) => {
    let alert;
    try {
      alert = parseGenericAlert(request.body);
    } catch (err) {
      if (err instanceof AlertRejected)
        return reply.status(400).send({ error: 'invalid alert', problems: err.problems });
      throw err;
    }
    try {
      const result = await openOrJoinIncident(options.intake, alert);
      return reply.status(202).send({ ...result, webUi: options.webUiLink(result.incidentId) });
    } catch (err) {
      request.log.error({ err, incidentId: `lockout-${alert.fingerprint}` }, 'could not reach Temporal');
      return reply.status(503).send({ error: 'Temporal is unreachable; the alert was not recorded, retry' });
    }
  });

  return app;
}
