import { ApplicationFailure } from '@temporalio/activity';
import { resolveTarget, type Recipient } from '../comms/directory';
import type { ActivityDeps } from './deps';

export interface ResolveAudienceInput {
  target: string;
  /** The workflow's time (ISO): rotas resolve at this instant, simulated time included. */
  at: string;
}

export function audienceActivities(deps: ActivityDeps) {
  return {
    /**
     * Who a runbook target means at `at`. An unknown target is a runbook error: not retried.
     * (A bare string is the input of incidents started before rotas existed: resolved now.)
     */
    async resolveAudience(input: ResolveAudienceInput | string): Promise<Recipient[]> {
      const { target, at } =
        typeof input === 'string' ? { target: input, at: new Date().toISOString() } : input;
      if (typeof target !== 'string' || Number.isNaN(Date.parse(at)))
        throw ApplicationFailure.nonRetryable(
          'resolveAudience: needs {target: string, at: ISO time}',
          'InvalidArguments',
        );
      try {
        return resolveTarget(deps.directory(), target, at);
      } catch (err) {
        throw ApplicationFailure.nonRetryable((err as Error).message, 'UnknownTarget');
      }
    },
  };
}
