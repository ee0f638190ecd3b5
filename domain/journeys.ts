/**
 * Segmented degraded mode: the customer journeys a runbook can switch to their fallback and
 * back. The storefront reads the published state (GET /journeys, or the JSON file).
 */
import { z } from 'zod';

export const JOURNEYS = ['checkout-validation', 'account-management', 'product-discovery'] as const;
export const JOURNEY_MODES = ['normal', 'fallback'] as const;
export const Journey = z.enum(JOURNEYS);
export const JourneyMode = z.enum(JOURNEY_MODES);
export type Journey = z.infer<typeof Journey>;
export type JourneyMode = z.infer<typeof JourneyMode>;

/** The last switch of one journey: what the storefront acts on, and who to ask about it. */
export const JourneyState = z.object({
  mode: JourneyMode,
  since: z.iso.datetime(),
  /** `incident lockout-… step …`, or `default` before anything was switched. */
  by: z.string(),
  incidentId: z.string().optional(),
  step: z.string().optional(),
  reason: z.string().optional(),
});
export type JourneyState = z.infer<typeof JourneyState>;

export const JourneysDocument = z.object({
  updatedAt: z.iso.datetime(),
  journeys: z.record(Journey, JourneyState),
});
export type JourneysDocument = z.infer<typeof JourneysDocument>;

/** Every journey in normal mode: what is published before any runbook switched one. */
export function initialJourneys(at: string): JourneysDocument {
  const normal: JourneyState = { mode: 'normal', since: at, by: 'default' };
  return {
    updatedAt: at,
    journeys: {
      'checkout-validation': normal,
      'account-management': normal,
      'product-discovery': normal,
    },
  };
}
