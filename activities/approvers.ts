import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityDeps } from './deps';

export interface ApproverLevelInput {
  roles: string[];
  people: string[];
}

export function approverActivities(deps: ActivityDeps) {
  return {
    /**
     * Person ids who may decide: the people named, and everyone holding one of the roles. A
     * person the pinned runbook names who has left the directory is left out; the workflow sees
     * who is missing and records it.
     */
    async resolveApprovers(level: ApproverLevelInput): Promise<string[]> {
      const { people } = deps.directory();
      if (!Array.isArray(level?.people) || !Array.isArray(level?.roles))
        throw ApplicationFailure.nonRetryable(
          'resolveApprovers: needs {roles: [], people: []}',
          'InvalidArguments',
        );
      const known = level.people.filter((id) => Object.prototype.hasOwnProperty.call(people, id));
      const byRole = Object.entries(people)
        .filter(([, p]) => p.roles.some((r) => level.roles.includes(r)))
        .map(([id]) => id);
      return [...new Set([...known, ...byRole])].sort();
    },
  };
}
