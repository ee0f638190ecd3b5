/**
 * `checkHttpEndpoint`: is a service answering? For runbook diagnostics such as the storefront's
 * health endpoint or a middleware's status page. Reads only.
 */
import { z } from 'zod';
import type { StepResult } from '../domain/incident';
import { timeoutOrCancel } from './heartbeat';
import { parseArgs, type CatalogEntry, type RunbookActivityInput } from './runbook-activity';

const Args = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    expectStatus: z.number().int().min(100).max(599).default(200),
    timeoutSeconds: z.number().positive().max(120).default(10),
  })
  .strict();

export const httpCheckCatalog: Record<string, CatalogEntry> = {
  checkHttpEndpoint: {
    description: 'GET a URL and check its status code (e.g. a health endpoint)',
    args: Args,
    risky: false,
  },
};

export function httpCheckActivities() {
  return {
    async checkHttpEndpoint(input: RunbookActivityInput): Promise<StepResult> {
      const args = parseArgs('checkHttpEndpoint', Args, input.args);
      const started = Date.now();
      try {
        const response = await fetch(args.url, {
          signal: timeoutOrCancel(args.timeoutSeconds * 1000),
          redirect: 'manual',
        });
        await response.body?.cancel();
        const ms = Date.now() - started;
        const ok = response.status === args.expectStatus;
        return {
          ok,
          summary: `${new URL(args.url).host} answered ${response.status}${ok ? '' : ` (expected ${args.expectStatus})`} in ${ms} ms`,
          data: { url: args.url, status: response.status, ms },
        };
      } catch (err) {
        const reason =
          (err as Error).name === 'TimeoutError'
            ? `no answer within ${args.timeoutSeconds}s`
            : (((err as Error).cause as Error)?.message ?? (err as Error).message);
        return {
          ok: false,
          summary: `${new URL(args.url).host} unreachable: ${reason}`,
          data: { url: args.url, error: reason },
        };
      }
    },
  };
}
