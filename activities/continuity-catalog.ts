/**
 * Runbook-callable continuity activities: TLS checks, remediation hooks, journey modes. Schemas
 * only (no I/O), so activities/catalog.ts can merge them without an import cycle.
 */
import { z } from 'zod';
import { Journey, JourneyMode } from '../domain/journeys';
import { Duration } from '../domain/runbook';
import type { CatalogEntry } from './runbook-activity';

export const CheckTlsEndpointArgs = z
  .object({
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535).default(443),
    servername: z.string().min(1).max(253).optional(),
    /** PEM roots to trust instead of the system's; default: the watch configuration's tls.caFile. */
    caFile: z.string().min(1).optional(),
    /** The step fails (ok: false) when the chain expires sooner than this. */
    warnBefore: Duration.default('72h'),
  })
  .strict();

export const RunRemediationHookArgs = z
  .object({
    hook: z.string().min(1),
    params: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export const SetJourneyModeArgs = z
  .object({
    journey: Journey,
    mode: JourneyMode,
    reason: z.string().max(500).optional(),
  })
  .strict();

export const continuityCatalog: Record<string, CatalogEntry> = {
  checkTlsEndpoint: {
    description:
      'TLS handshake with host:port: chain validity (expired, self-signed, missing intermediate, wrong host name) and time to expiry. ok: false when invalid or expiring within warnBefore.',
    args: CheckTlsEndpointArgs,
    risky: false,
  },
  runRemediationHook: {
    description:
      'Runs a remediation hook from config/hooks.yaml (HTTP call or allow-listed command) with its declared params; output captured, ok from the HTTP status or exit code.',
    args: RunRemediationHookArgs,
    risky: true,
  },
  setJourneyMode: {
    description:
      'Switches a critical journey (checkout-validation, account-management, product-discovery) to fallback or back to normal; published at GET /journeys and in the journeys file.',
    args: SetJourneyModeArgs,
    risky: true,
  },
};
