import { ApplicationFailure } from '@temporalio/activity';
import { resolveTarget, type Recipient } from '../comms/directory';
import type { ActivityDeps } from './deps';

export function audienceActivities(deps: ActivityDeps) {
  return {
    /** Who a runbook target means right now. An unknown target is a runbook error: not retried. */
    async resolveAudience(target: string): Promise<Recipient[]> {
      try {
        return resolveTarget(deps.directory(), target);
      } catch (err) {
        throw ApplicationFailure.nonRetryable((err as Error).message, 'UnknownTarget');
      }
    },
  };
}
