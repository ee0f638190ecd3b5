/** `GET /healthz`: the gateway answers (it does not check Temporal: alerts say so with a 503). */
import type { FastifyPluginAsync } from 'fastify';

export const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get('/healthz', async () => ({ ok: true }));
};
