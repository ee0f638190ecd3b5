/**
 * `GET /journeys`: the mode of each critical customer journey (normal or fallback), as the
 * runbooks last set it, for the storefront to poll. Never cached: a switch must show at once.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { JourneyModes } from '../../domain/journeys';

export interface JourneysRouteOptions {
  modes: JourneyModes;
}

export const journeysRoutes: FastifyPluginAsync<JourneysRouteOptions> = async (app, options) => {
  app.get('/journeys', async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    try {
      return await options.modes.read();
    } catch (err) {
      request.log.error(
        { err: (err as Error).message },
        `journey modes unreadable (${options.modes.describe})`,
      );
      // The storefront keeps its last answer on a 503 rather than acting on a guess.
      return reply.status(503).send({ error: 'journey modes unavailable; keep the last known modes' });
    }
  });
};
