import { Command } from 'commander';
import { loadConfig } from '../../config/env';
import { loadRunbooks } from '../../intake/runbooks-file';
import { validateRunbooks } from '../validate-runbooks';
import { formatProblem } from '../../lib/yaml-file';
import { parseDuration } from '../../domain/duration';
import { formatSimulation, simulationReport } from '../../simulation/report';
import { parseFacts, parseResponse, RESPONSE_HELP } from '../../simulation/script';
import { CliError, emit } from '../output';

const collect = (value: string, all: string[]) => [...all, value];

export function simulateCommand(): Command {
  return new Command('simulate')
    .description(
      'Rehearse a runbook on the time-skipping test server: who is told what and when, escalations, clocks met or missed',
    )
    .argument('<runbook>', 'runbook id (from LOCKOUT_RUNBOOKS_DIR)')
    .option(
      '--facts <name=value>',
      'an alert fact (title, pattern, severity, region, euPersonalData) or a label; repeatable',
      collect,
      [],
    )
    .option(
      '--respond <action>',
      'a responder action at an offset from detection; repeatable (see below)',
      collect,
      [],
    )
    .option('--fail <step>', 'make this activity step report failure; repeatable', collect, [])
    .option(
      '--until <duration>',
      'simulate this much incident time (default: longest clock + 1h, at least 4h)',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `\nResponses (--respond):\n  ${RESPONSE_HELP.replace(/\n/g, '\n  ')}\n\nExample:\n  lockout simulate certificate-chain --facts region=eu --facts euPersonalData=true \\\n    --respond ack=ana@20m --respond approve-rotation=ben@35m --respond resolve=ana@3h\n\nNothing is sent and no remediation runs: messages are rendered, activity steps report "simulated".`,
    )
    .action(
      async (
        id: string,
        opts: { facts: string[]; respond: string[]; fail: string[]; until?: string; json?: boolean },
      ) => {
        const config = loadConfig();
        let facts: Record<string, string>;
        let responses;
        try {
          facts = parseFacts(opts.facts);
          responses = opts.respond.map(parseResponse);
        } catch (err) {
          throw new CliError((err as Error).message, 2);
        }
        let horizonMs: number | undefined;
        if (opts.until) {
          const parsed = parseDuration(opts.until);
          if ('error' in parsed) throw new CliError(`--until: ${parsed.error}`, 2);
          horizonMs = parsed.ms;
        }
        const runbooks = loadRunbooks(config.runbooksDir);
        const found = runbooks.find((r) => r.runbook.id === id);
        if (!found)
          throw new CliError(
            `no runbook "${id}" in ${config.runbooksDir} (known: ${runbooks.map((r) => r.runbook.id).join(', ')})`,
            2,
          );
        const { problems } = validateRunbooks([found.file], {
          directoryFile: config.directoryFile,
          templatesDir: config.templatesDir,
          hooksFile: config.continuity.hooksFile,
        });
        if (problems.length)
          throw new CliError(`the runbook does not validate:\n${problems.map(formatProblem).join('\n')}`);
        // Loaded when a simulation runs: it builds a worker and every activity, a second of start-up
        // that every other command would pay.
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on use, see above
        const { runSimulation } = require('../../simulation/run') as typeof import('../../simulation/run');
        const result = await runSimulation({
          config,
          runbook: found.runbook,
          facts,
          responses,
          horizonMs,
          failSteps: opts.fail,
          progress: opts.json ? undefined : (line) => process.stderr.write(`… ${line}\n`),
        });
        const report = simulationReport(result);
        emit(opts.json, report, () => formatSimulation(report));
      },
    );
}
