/** `lockout`: the responder's command line. */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/env';
import { approvalsCommand } from './commands/approvals';
import { responderTokenCommand } from './commands/responder-token';
import { responderCommands } from './commands/respond';
import { validateCommand } from './commands/validate';
import { classifyCommand } from './commands/classify';
import { evidenceCommand } from './commands/evidence';
import { reviewCommand } from './commands/review';
import { simulateCommand } from './commands/simulate';
import { listCommand } from './commands/list';
import { previewCommand } from './commands/preview';
import { reclassifyCommand } from './commands/reclassify';
import { statusCommand } from './commands/status';
import { syncCommand } from './commands/sync';
import { triggerCommand } from './commands/trigger';
import { watchCommand } from './commands/watch';
import { periodCommand } from './commands/period';
import { spendCommand } from './commands/spend';
import { outboxCommand } from './commands/outbox';
import { CliError, printError } from './output';
import type { CliServices } from './services';

export function buildProgram(services: CliServices): Command {
  const program = new Command('lockout')
    .description(
      'Run and steer Salesforce integration lockout incidents on Temporal.\n' +
        'Connects to TEMPORAL_ADDRESS (default localhost:7233), namespace TEMPORAL_NAMESPACE (default "default").',
    )
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  const commands = [
    triggerCommand(services),
    listCommand(),
    statusCommand(),
    ...responderCommands(),
    reclassifyCommand(),
    approvalsCommand(),
    responderTokenCommand(),
    validateCommand(),
    previewCommand(),
    classifyCommand(),
    simulateCommand(),
    syncCommand(),
    evidenceCommand(),
    reviewCommand(),
    periodCommand(),
    spendCommand(),
    outboxCommand(),
  ];
  for (const command of commands) {
    program.addCommand(command.exitOverride().showHelpAfterError('(add --help for usage)'));
  }
  program.addCommand(watchCommand(services).exitOverride().showHelpAfterError('(add --help for usage)'));
  return program;
}

export async function run(argv: string[], services: CliServices): Promise<number> {
  try {
    await buildProgram(services).parseAsync(argv, { from: 'user' });
    // A command may report a finding (e.g. validate's problems) by setting the exit code.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are "errors" to commander, with exit code 0; usage errors were printed already.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof CliError || err instanceof ConfigError) {
      printError(err.message);
      return err instanceof CliError ? err.exitCode : 2;
    }
    printError((err as Error).message);
    return 1;
  }
}
