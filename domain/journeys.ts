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

export interface JourneySwitch {
  journey: Journey;
  mode: JourneyMode;
  incidentId: string;
  step: string;
  reason?: string;
}

export interface JourneySwitchOutcome {
  journey: Journey;
  from: JourneyMode;
  to: JourneyMode;
  /** false: already in that mode by the same incident step (a retried activity), nothing written. */
  changed: boolean;
  state: JourneyState;
}

/** What a switch does to a journey's current state (the file and the shared store both apply it). */
export function decideJourneySwitch(
  current: JourneyState,
  change: JourneySwitch,
  now: Date,
): JourneySwitchOutcome {
  if (
    current.mode === change.mode &&
    current.incidentId === change.incidentId &&
    current.step === change.step
  )
    return { journey: change.journey, from: current.mode, to: change.mode, changed: false, state: current };
  const state: JourneyState = {
    mode: change.mode,
    since: now.toISOString(),
    by: `incident ${change.incidentId} step ${change.step}`,
    incidentId: change.incidentId,
    step: change.step,
    ...(change.reason ? { reason: change.reason } : {}),
  };
  return { journey: change.journey, from: current.mode, to: change.mode, changed: true, state };
}

/** Where the modes are published: a file on one host, or the shared store for many (docs/storage.md). */
export interface JourneyModes {
  readonly describe: string;
  read(now?: Date): Promise<JourneysDocument>;
  switch(change: JourneySwitch, at?: Date): Promise<JourneySwitchOutcome>;
}
