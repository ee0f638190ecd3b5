/** `GET /metrics`: the gateway's Prometheus metrics (gateway/metrics.ts), text exposition format. */
import type { FastifyPluginAsync } from 'fastify';
import type { GatewayMetrics } from '../metrics';

export const metricsRoutes: FastifyPluginAsync<{ metrics: GatewayMetrics }> = async (app, { metrics }) => {
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
};
