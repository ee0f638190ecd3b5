/**
 * What every HTML route of the gateway gets, inside its own plugin: security headers (a CSP
 * allowing only this origin's scripts and styles, no framing, no referrer: link tokens must not
 * leak through Referer), form bodies, and no caching (pages show live state and personal links).
 */
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

export async function pageBasics(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    // Plain http on loopback is the embedded default; HSTS belongs to the TLS-terminating proxy.
    strictTransportSecurity: false,
  });
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  app.addHook('onSend', async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
  });
}
