/**
 * `lockout reclassify`: move a running incident to another pattern's runbook. It waits for the
 * outcome (moved, or refused because the runbook does not exist), not only for "accepted".
 */
import { Command, Option } from 'commander';
import { reclassifyIncident } from '../../client/reclassify';
import { PATTERNS } from '../../domain/alert';
import { PATTERN_CHOICES } from '../../domain/reclassification';
import { oneLine } from '../../lib/printable';
import { CliError, emit } from '../output';
import { incidentId, withClient } from '../temporal';

/** A person at a terminal waits up to 15 s for a worker, then up to 20 s for the move. */
const ANSWER_WITHIN_MS = 15_000;

export function reclassifyCommand(): Command {
  return new Command('reclassify')
    .description(
      "Move a running incident to another pattern's runbook. Alerts, timeline, acknowledgements, " +
        'awareness time, clock deadlines and deliveries stay; messages already sent are not sent again.\n' +
        'Patterns:\n' +
        PATTERN_CHOICES.map((c) => `  ${c.pattern.padEnd(21)} ${c.description}`).join('\n'),
    )
    .argument('<incident>', 'incident id (the lockout- prefix may be omitted)')
    .addOption(
      new Option('--pattern <pattern>', 'the pattern it really is')
        .choices([...PATTERNS])
        .makeOptionMandatory(),
    )
    .option(
      '--runbook <id>',
      "run this runbook instead of the pattern's (as a classification rule may name one)",
    )
    .requiredOption('--by <person>', 'who reclassifies')
    .requiredOption('--reason <text>', 'why (goes into the timeline and the report)')
    .option('--json', 'print the outcome as JSON')
    .action(
      async (
        arg: string,
        opts: {
          pattern: (typeof PATTERNS)[number];
          runbook?: string;
          by: string;
          reason: string;
          json?: boolean;
        },
      ) => {
        const id = incidentId(arg);
        const outcome = await withClient(async (client) => {
          const { status } = await client.workflow.getHandle(id).describe();
          if (status.name !== 'RUNNING')
            throw new CliError(`incident ${id} is closed (${status.name.toLowerCase()})`);
          return reclassifyIncident(
            client,
            id,
            {
              pattern: opts.pattern,
              ...(opts.runbook ? { runbook: opts.runbook } : {}),
              by: opts.by,
              reason: opts.reason,
            },
            { answerWithinMs: ANSWER_WITHIN_MS },
          );
        });
        if (outcome.outcome === 'refused') throw new CliError(`refused: ${outcome.message}`);
        if (outcome.outcome === 'busy') throw new CliError(outcome.message, 75);
        emit(opts.json, { incidentId: id, ...outcome }, () => oneLine(`${id}: ${outcome.message}`));
      },
    );
}
