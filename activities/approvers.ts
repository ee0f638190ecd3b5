import { ApplicationFailure } from '@temporalio/activity';
import type { ActivityDeps } from './deps';

export interface ApproverLevelInput {
  roles: string[];
  people: string[];
}

export function approverActivities(deps: ActivityDeps) {
  return {
    /** Person ids who may decide: the people named, and everyone holding one of the roles. */
    async resolveApprovers(level: ApproverLevelInput): Promise<string[]> {
      const { people } = deps.directory();
      const unknown = level.people.filter((id) => !people[id]);
      if (unknown.length) {
        throw ApplicationFailure.nonRetryable(
          `approvers not in the directory: ${unknown.join(', ')}`,
          'UnknownApprover',
        );
      }
      const byRole = Object.entries(people)
        .filter(([, p]) => p.roles.some((r) => level.roles.includes(r)))
        .map(([id]) => id);
      return [...new Set([...level.people, ...byRole])].sort();
    },
  };
}
