import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../../config/env';
import { runbookFiles } from '../../intake/runbooks-file';
import { validateRunbooks } from '../validate-runbooks';
import { formatProblem, type FileProblem } from '../../lib/yaml-file';
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
        'activities and their arguments, templates, audiences, facts, clocks and approval gates.\n' +
        'Warns (exit 0) when a message a clock waits for can be held up past its deadline by the steps before it.',
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
      const local = (p: FileProblem) => ({ ...p, file: relative(process.cwd(), p.file) || p.file });
      const shown = report.problems.map(local);
      const warnings = report.warnings.map(local);
      const warningLines = warnings.map((w) => `warning: ${formatProblem(w)}`);
      emit(
        opts.json,
        { ok: shown.length === 0, runbooks: report.runbooks, problems: shown, warnings },
        () => {
          if (!shown.length) {
            return [
              ...report.runbooks.map((r) => `ok  ${relative(process.cwd(), r.file)}  ${r.id} v${r.version}`),
              ...warningLines,
            ].join('\n');
          }
          return (
            [...shown.map(formatProblem), ...warningLines].join('\n') +
            `\n\n${shown.length} problem(s) in ${files.length} file(s)`
          );
        },
      );
      if (shown.length) process.exitCode = 1;
    });
}
