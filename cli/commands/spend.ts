/**
 * `lockout spend`: emergency spend during an incident (contractors, extra capacity), for the
 * crisis budget. A request waits for someone else's decision (two-person rule, kept by the
 * incident); a decision that would take the incident over its envelope needs a finance or
 * executive role (config/crisis-budget.yaml), which this command checks in the directory.
 */
import { Command } from 'commander';
import { sendAction } from '../../client/actions';
import { incidentLedger, loadCrisisBudget } from '../../client/crisis-budget';
import { statusOrResult } from '../../client/status';
import { loadDirectory } from '../../comms/directory';
import { spendApprovalProblem } from '../../domain/crisis-budget';
import { CliError, emit } from '../output';
import { incidentId, withClient } from '../temporal';

function answered(result: { outcome: string; message: string }, json: boolean | undefined, id: string): void {
  if (result.outcome === 'refused') throw new CliError(`refused: ${result.message}`);
  if (result.outcome === 'busy') throw new CliError(result.message, 75);
  emit(
    json,
    { incidentId: id, accepted: true, message: result.message, via: result.outcome },
    () => `${id}: ${result.message}`,
  );
}

export function spendCommand(): Command {
  const spend = new Command('spend').description(
    'Emergency spend in an incident (contractor, extra capacity): request it, then someone else decides.\n' +
      'It counts in the crisis budget once approved (lockout status shows the ledger).',
  );
  spend.exitOverride().showHelpAfterError('(add --help for usage)');

  spend
    .command('request')
    .description('ask for an emergency spend; the incident answers with its id (spend-1, …)')
    .argument('<incident>', 'incident id (the lockout- prefix may be omitted)')
    .requiredOption('--amount <amount>', 'in the budget currency, e.g. 4800 or 1250.50')
    .requiredOption('--purpose <text>', 'what it buys, e.g. "contractor: Salesforce specialist, 2 days"')
    .requiredOption('--by <who>', 'who asks')
    .option('--json', 'print the outcome as JSON')
    .action(async (raw: string, opts: { amount: string; purpose: string; by: string; json?: boolean }) => {
      const amount = Number(opts.amount);
      if (!/^\d+(\.\d{1,2})?$/.test(opts.amount) || !(amount > 0))
        throw new CliError(`--amount: "${opts.amount}" is not an amount like 4800 or 1250.50`, 2);
      const id = incidentId(raw);
      const result = await withClient((client) =>
        sendAction(client, id, 'requestSpend', { by: opts.by, amount, purpose: opts.purpose }),
      );
      answered(result, opts.json, id);
    });

  for (const decision of ['approve', 'reject'] as const) {
    spend
      .command(decision)
      .description(`${decision} a pending emergency spend`)
      .argument('<incident>', 'incident id (the lockout- prefix may be omitted)')
      .argument('<spend>', 'the spend id, e.g. spend-1')
      .requiredOption('--by <who>', 'who decides (not the requester)')
      .option('--reason <text>', 'why')
      .option('--json', 'print the outcome as JSON')
      .action(async (raw: string, spendId: string, opts: { by: string; reason?: string; json?: boolean }) => {
        const id = incidentId(raw);
        const result = await withClient(async (client, config) => {
          if (decision === 'approve') {
            const found = await statusOrResult(client, id);
            if (!('status' in found)) throw new CliError(`incident ${id} ended ${found.ended}`);
            const budget = loadCrisisBudget(config.readiness.crisisBudgetFile);
            const directory = loadDirectory(config.directoryFile);
            const problem = spendApprovalProblem(
              incidentLedger(found.status, directory, budget),
              spendId,
              directory.people[opts.by]?.roles ?? [],
              budget,
            );
            if (problem) throw new CliError(`refused: ${problem}`);
          }
          return sendAction(client, id, 'decideSpend', {
            by: opts.by,
            spend: spendId,
            decision,
            ...(opts.reason ? { reason: opts.reason } : {}),
          });
        });
        answered(result, opts.json, id);
      });
  }
  return spend;
}
