/**
 * `GET /journeys`: the mode of each critical customer journey (normal or fallback), as the
 * runbooks last set it, for the storefront to poll. Never cached: a switch must show at once.
 */
import type { FastifyPluginAsync } from 'fastify';
import { readJourneys } from '../../journeys/journeys-file';

export interface JourneysRouteOptions {
  file: string;
}

export const journeysRoutes: FastifyPluginAsync<JourneysRouteOptions> = async (app, options) => {
  app.get('/journeys', async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    try {
      return await readJourneys(options.file);
    } catch (err) {
      request.log.error({ err: (err as Error).message }, 'journeys file unreadable');
      // The storefront keeps its last answer on a 503 rather than acting on a guess.
      return reply.status(503).send({ error: 'journey modes unavailable; keep the last known modes' });
    }
  });
};
