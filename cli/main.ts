/** `lockout`: the responder's command line. */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/env';
import { classifyCommand } from './commands/classify';
import { ackCommand, resolveCommand } from './commands/respond';
import { listCommand } from './commands/list';
import { statusCommand } from './commands/status';
import { triggerCommand } from './commands/trigger';
import { CliError } from './output';

export function buildProgram(): Command {
  const program = new Command('lockout')
    .description(
      'Run and steer Salesforce integration lockout incidents on Temporal.\n' +
        'Connects to TEMPORAL_ADDRESS (default localhost:7233), namespace TEMPORAL_NAMESPACE (default "default").',
    )
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const command of [
    triggerCommand(),
    listCommand(),
    statusCommand(),
    ackCommand(),
    resolveCommand(),
    classifyCommand(),
  ]) {
    program.addCommand(command.exitOverride().showHelpAfterError('(add --help for usage)'));
  }
  return program;
}

export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are "errors" to commander, with exit code 0; usage errors were printed already.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof CliError || err instanceof ConfigError) {
      process.stderr.write(`lockout: ${err.message}\n`);
      return err instanceof CliError ? err.exitCode : 2;
    }
    process.stderr.write(`lockout: ${(err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
