/** Runbook definitions from runbooks/*.yaml, validated. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Runbook } from '../domain/runbook';
import { FileProblems, loadYamlFile, type FileProblem } from '../lib/yaml-file';

export interface RunbookFile {
  file: string;
  runbook: Runbook;
}

export function runbookFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f));
}

/** Loads every runbook in a directory; throws FileProblems naming every broken one. */
export function loadRunbooks(dir: string): RunbookFile[] {
  const loaded: RunbookFile[] = [];
  const problems: FileProblem[] = [];
  for (const file of runbookFiles(dir)) {
    try {
      loaded.push({ file, runbook: loadYamlFile(file, Runbook) });
    } catch (err) {
      if (err instanceof FileProblems) problems.push(...err.problems);
      else throw err;
    }
  }
  const seen = new Map<string, string>();
  for (const { file, runbook } of loaded) {
    const other = seen.get(runbook.id);
    if (other)
      problems.push({ file, field: 'id', reason: `runbook id "${runbook.id}" is also used by ${other}` });
    seen.set(runbook.id, file);
  }
  if (problems.length) throw new FileProblems(problems);
  return loaded;
}
