/**
 * `GET /healthz`: is this gateway able to do its job? With readiness checks configured (the
 * composed gateway: Temporal reachable, the shared store answering) each runs with a short
 * deadline and any failure answers 503 naming it, so an orchestrator stops sending traffic here.
 * Without checks (tests, embedded use) it only says the process answers.
 */
import type { FastifyPluginAsync } from 'fastify';

export interface ReadinessCheck {
  name: string;
  /** Resolves when healthy; throws saying what is wrong. */
  check(): Promise<void>;
}

export interface HealthRouteOptions {
  checks?: ReadinessCheck[];
  /** Per check (default 3 s): a hanging dependency is as bad as a failing one. */
  timeoutMs?: number;
}

async function run(check: ReadinessCheck, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, options) => {
  const checks = options.checks ?? [];
  app.get('/healthz', async (request, reply) => {
    const results = await Promise.all(checks.map((c) => run(c, options.timeoutMs ?? 3_000)));
    const failed = Object.fromEntries(
      checks.flatMap((c, i) => (results[i] === undefined ? [] : [[c.name, results[i]]])),
    );
    if (Object.keys(failed).length) {
      request.log.warn({ failed: Object.keys(failed) }, 'health check failed');
      return reply.status(503).send({ ok: false, failed });
    }
    return { ok: true, checked: checks.map((c) => c.name) };
  });
};
