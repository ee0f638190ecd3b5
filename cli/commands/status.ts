import { Command } from 'commander';
import { statusOrResult } from '../../client/status';
import { configuredLedger, formatLedger } from '../../client/crisis-budget';
import { formatStatus } from '../format-status';
import { CliError, emit } from '../output';
import { incidentId, withClient } from '../temporal';

export function statusCommand(): Command {
  return new Command('status')
    .description(
      'Show an incident: phase, escalation level, alerts, acknowledgements, its timeline and its crisis budget',
    )
    .argument('<incident>', 'incident id (lockout-… ; the prefix may be omitted)')
    .option('--json', 'print the full status as JSON (with `budget`: the cost ledger)')
    .action(async (id: string, opts: { json?: boolean }) => {
      const status = await withClient(async (client) => {
        const found = await statusOrResult(client, incidentId(id));
        if ('status' in found) return found.status;
        throw new CliError(`incident ${incidentId(id)} ended ${found.ended}; see it in the Web UI`);
      });
      const budget = configuredLedger(status);
      emit(opts.json, { ...status, ...budget }, () =>
        [
          formatStatus(status),
          '',
          'budget' in budget
            ? formatLedger(budget.budget)
            : `Crisis budget: not shown (${budget.budgetProblem})`,
        ].join('\n'),
      );
    });
}
