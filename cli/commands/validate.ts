import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../../config/env';
import { runbookFiles } from '../../intake/runbooks-file';
import { validateRunbooks } from '../validate-runbooks';
import { formatProblem } from '../../lib/yaml-file';
import { CliError, emit } from '../output';

function expand(paths: string[], fallbackDir: string): string[] {
  const given = paths.length ? paths : [fallbackDir];
  return given.flatMap((p) => {
    try {
      return statSync(p).isDirectory() ? runbookFiles(p) : [p];
    } catch {
      return [p]; // reported as unreadable
    }
  });
}

export function validateCommand(): Command {
  return new Command('validate')
    .description(
      'Check runbooks: schema, step kinds, durations, duplicate or unreachable steps, jumps (no cycles),\n' +
        'activities and their arguments, templates, audiences, facts, clocks and approval gates',
    )
    .argument('[paths...]', 'runbook files or directories (default: LOCKOUT_RUNBOOKS_DIR, i.e. runbooks/)')
    .option('--json', 'print the report as JSON')
    .action((paths: string[], opts: { json?: boolean }) => {
      const config = loadConfig();
      const files = expand(paths, config.runbooksDir);
      if (!files.length)
        throw new CliError(`no runbook files (*.yaml) in ${paths.join(', ') || config.runbooksDir}`, 2);
      const report = validateRunbooks(files, {
        directoryFile: config.directoryFile,
        templatesDir: config.templatesDir,
      });
      const shown = report.problems.map((p) => ({ ...p, file: relative(process.cwd(), p.file) || p.file }));
      emit(opts.json, { ok: shown.length === 0, runbooks: report.runbooks, problems: shown }, () => {
        if (!shown.length) {
          return report.runbooks
            .map((r) => `ok  ${relative(process.cwd(), r.file)}  ${r.id} v${r.version}`)
            .join('\n');
        }
        return (
          shown.map(formatProblem).join('\n') + `\n\n${shown.length} problem(s) in ${files.length} file(s)`
        );
      });
      if (shown.length) process.exitCode = 1;
    });
}
