/** `setJourneyMode`: switches a customer journey to its fallback mode and back, for the storefront. */
import { ApplicationFailure } from '@temporalio/activity';
import type { StepResult } from '../domain/incident';
import { fileJourneyModes } from '../journeys/journeys-file';
import { parseArgs, type RunbookActivityInput } from './runbook-activity';
import { SetJourneyModeArgs } from './continuity-catalog';
import type { ActivityDeps } from './deps';

export function journeyActivities(deps: ActivityDeps) {
  return {
    async setJourneyMode(input: RunbookActivityInput): Promise<StepResult> {
      const args = parseArgs('setJourneyMode', SetJourneyModeArgs, input.args);
      let outcome;
      try {
        const modes = deps.continuity.journeyModes ?? fileJourneyModes(deps.continuity.journeysFile);
        outcome = await modes.switch({
          ...args,
          incidentId: input.incidentId,
          step: input.step,
        });
      } catch (err) {
        // A corrupt file is not fixed by retrying; someone has to look at it.
        if (err instanceof SyntaxError || /not (JSON|a journeys document)/.test((err as Error).message))
          throw ApplicationFailure.nonRetryable((err as Error).message, 'CorruptJourneysFile');
        throw err;
      }
      const summary =
        outcome.from === outcome.to
          ? `journey ${args.journey} stays in ${args.mode} mode${outcome.changed ? '' : ' (already switched by this step)'}`
          : `journey ${args.journey} switched from ${outcome.from} to ${outcome.to}`;
      return {
        ok: true,
        summary: args.reason ? `${summary}: ${args.reason}` : summary,
        data: { ...outcome, at: outcome.state.since },
      };
    },
  };
}
