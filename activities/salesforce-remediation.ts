/**
 * Salesforce remediation (risky: runbooks put these behind an approval). Both are safe to retry:
 * a second token is harmless, and an assignment that exists is reported, not duplicated.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { StepResult } from '../domain/incident';
import { createRecord, query, SalesforceApiError } from '../salesforce/api';
import { readPermissions } from '../salesforce/permissions';
import { soqlList } from '../salesforce/soql';
import { TokenRefused } from '../salesforce/token';
import { parseArgs, type RunbookActivityInput } from './runbook-activity';
import type { ActivityDeps } from './deps';
import { SalesforceArgs } from './salesforce-catalog';
import { configFile, requireSession, salesforceFailure } from './salesforce-support';

export function salesforceRemediation(deps: ActivityDeps) {
  return {
    async refreshSalesforceToken(input: RunbookActivityInput): Promise<StepResult> {
      parseArgs('refreshSalesforceToken', SalesforceArgs.refreshSalesforceToken, input.args);
      const { session } = requireSession(deps, 'refreshSalesforceToken');
      try {
        const token = await session.reissue();
        return {
          ok: true,
          summary: `new access token issued at ${token.issuedAt} (${token.flow}), valid until ~${token.expiresAt}`,
          data: { ...token },
        };
      } catch (err) {
        const refused =
          err instanceof TokenRefused ||
          (err instanceof SalesforceApiError && err.errorCode === 'TOKEN_REFUSED');
        if (refused) {
          return {
            ok: false,
            summary: `Salesforce refused a new token: ${(err as Error).message}`,
            data: { flow: session.settings.flow.kind },
          };
        }
        throw salesforceFailure('refreshSalesforceToken', err);
      }
    },

    async assignPermissionSet(input: RunbookActivityInput): Promise<StepResult> {
      const args = parseArgs('assignPermissionSet', SalesforceArgs.assignPermissionSet, input.args);
      const { sf, session } = requireSession(deps, 'assignPermissionSet');
      const baseline = configFile(() => sf.permissionBaseline());
      if (args.permissionSet && !baseline.permissionSets.includes(args.permissionSet)) {
        throw ApplicationFailure.nonRetryable(
          `assignPermissionSet: ${args.permissionSet} is not in the permission baseline; ` +
            'only baseline permission sets are restored (add it to the baseline, reviewed, first)',
          'NotInBaseline',
        );
      }
      const wanted = args.permissionSet ? [args.permissionSet] : baseline.permissionSets;
      try {
        await session.connection();
        const userId = session.tokenState()!.userId;
        const has = new Set((await readPermissions(session, userId)).permissionSets.map((p) => p.name));
        const missing = wanted.filter((name) => !has.has(name));
        const alreadyAssigned = wanted.filter((name) => has.has(name));
        if (!missing.length) {
          return {
            ok: true,
            summary: `integration user ${userId} already has ${wanted.join(', ') || 'every baseline permission set'}`,
            data: { userId, assigned: [], alreadyAssigned, notFound: [] },
          };
        }
        const sets = await query<{ Id: string; Name: string }>(
          session,
          `SELECT Id, Name FROM PermissionSet WHERE Name IN ${soqlList(missing)}`,
        );
        const notFound = missing.filter((name) => !sets.some((s) => s.Name === name));
        const assigned: { permissionSet: string; assignmentId: string | null }[] = [];
        for (const set of sets) {
          try {
            const id = await createRecord(session, 'PermissionSetAssignment', {
              AssigneeId: userId,
              PermissionSetId: set.Id,
            });
            assigned.push({ permissionSet: set.Name, assignmentId: id });
          } catch (err) {
            // Assigned meanwhile (an earlier attempt whose answer was lost): the goal is met.
            if (!(err instanceof SalesforceApiError && err.errorCode === 'DUPLICATE_VALUE')) throw err;
            alreadyAssigned.push(set.Name);
          }
        }
        const done = assigned.map((a) => a.permissionSet);
        return {
          ok: notFound.length === 0,
          summary:
            (done.length ? `assigned ${done.join(', ')} to integration user ${userId}` : 'nothing assigned') +
            (notFound.length ? `; not in the org: ${notFound.join(', ')}` : ''),
          data: { userId, assigned, alreadyAssigned, notFound },
        };
      } catch (err) {
        throw salesforceFailure('assignPermissionSet', err);
      }
    },
  };
}
