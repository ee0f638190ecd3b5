/**
 * `GET /metrics`: the gateway's Prometheus metrics (gateway/metrics.ts), text exposition format.
 * Open by default, as Prometheus expects; with a token (LOCKOUT_METRICS_TOKEN) the scraper must
 * send it as a bearer token (Prometheus: `authorization: { credentials_file: … }`).
 */
import type { FastifyPluginAsync } from 'fastify';
import { authenticate } from '../auth';
import type { GatewayMetrics } from '../metrics';

export interface MetricsRoutesOptions {
  metrics: GatewayMetrics;
  token?: string;
}

export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (app, { metrics, token }) => {
  app.get('/metrics', async (request, reply) => {
    if (token) {
      const auth = authenticate({ mode: 'bearer', tokens: [token] }, request.headers, Buffer.alloc(0));
      if (!auth.ok)
        return reply
          .status(401)
          .header('www-authenticate', 'Bearer realm="lockout-runbook metrics"')
          .send({ error: 'not authenticated', reason: auth.message });
    }
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
};
