import { Command } from 'commander';
import { ANSWER_WITHIN_MS } from '../../client/actions';
import { incidentsQuery } from '../../client/ids';
import * as sa from '../../domain/search-attributes';
import { queryStatus } from '../../client/status';
import { emit, printError, table } from '../output';
import { withClient } from '../temporal';

export function approvalsCommand(): Command {
  return new Command('approvals')
    .description(
      'List approval steps waiting for a decision, across all open incidents\n' +
        '(an incident that cannot be read right now is named on stderr; the others are listed)',
    )
    .option('--json', 'print them as JSON')
    .action(async (opts: { json?: boolean }) => {
      const unreadable: string[] = [];
      const pending = await withClient(async (client) => {
        const found = [];
        const query = incidentsQuery({ running: true, extra: [`${sa.PENDING_APPROVALS.name} > 0`] });
        for await (const wf of client.workflow.list({ query })) {
          let status;
          try {
            // One incident that cannot answer must not hide the others' approvals.
            status = await client.withDeadline(Date.now() + ANSWER_WITHIN_MS, () =>
              queryStatus(client, wf.workflowId),
            );
          } catch (err) {
            unreadable.push(`${wf.workflowId} (${(err as Error).message.split('\n')[0]})`);
            continue;
          }
          for (const a of status.approvals.filter((x) => x.state === 'pending')) {
            found.push({
              incidentId: status.incidentId,
              severity: status.facts.severity,
              step: a.step,
              title: a.title,
              eligible: a.eligible,
              approvals: a.decisions.filter((d) => d.decision === 'approve').length,
              quorum: a.quorum,
              twoPersonRule: a.twoPersonRule,
              requestedBy: a.requestedBy ?? null,
              requestedAt: a.requestedAt,
              deadline: a.deadline ?? null,
              action: a.action ?? null,
            });
          }
        }
        return found;
      });
      emit(opts.json, pending, () =>
        pending.length
          ? table([
              ['INCIDENT', 'SEV', 'STEP', 'WHAT', 'APPROVERS', 'VOTES', 'DEADLINE'],
              ...pending.map((p) => [
                p.incidentId,
                p.severity,
                p.step,
                p.title,
                p.eligible.join(','),
                `${p.approvals}/${p.quorum}${p.twoPersonRule ? ' 2PR' : ''}`,
                (p.deadline ?? '-').replace('T', ' ').slice(0, 19),
              ]),
            ]) +
            '\n\nDecide with: lockout approve <incident> <step> --by <you>  |  lockout reject <incident> <step> --by <you> --reason …'
          : 'No approvals waiting.',
      );
      for (const line of unreadable) printError(`could not read ${line}: its approvals are not listed`);
    });
}
