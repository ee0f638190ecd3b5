/**
 * `lockout responder-token <person>`: a new status page token for a person of the directory,
 * and the line for the responders file (which keeps only its SHA-256).
 */
import { Command } from 'commander';
import { loadDirectory } from '../../comms/directory';
import { loadConfig } from '../../config/env';
import { newResponderToken } from '../../links/responders-file';
import { CliError, emit } from '../output';

export function responderTokenCommand(): Command {
  return new Command('responder-token')
    .description(
      'Make a sign-in token for the status page; prints it once, and the line for the responders file',
    )
    .argument('<person>', 'person id of the directory')
    .option('--json', 'print token and hash as JSON')
    .action((person: string, opts: { json?: boolean }) => {
      const config = loadConfig();
      const directory = loadDirectory(config.directoryFile);
      if (!Object.hasOwn(directory.people, person))
        throw new CliError(`no person "${person}" in ${config.directoryFile}`, 2);
      const { token, sha256 } = newResponderToken();
      const file =
        config.statusPage.auth.mode === 'tokens'
          ? config.statusPage.auth.respondersFile
          : 'the responders file';
      emit(
        opts.json,
        { person, token, sha256 },
        () =>
          `Token for ${person} (give it to them; it is not stored anywhere):\n  ${token}\n\n` +
          `Add to ${file} under "responders:":\n  ${person}:\n    tokenSha256: ${sha256}\n`,
      );
    });
}
