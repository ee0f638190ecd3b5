/**
 * `lockout validate`: every runbook file checked against the schema, the activity catalog, the
 * templates and the responder directory, each problem reported as `file:line  field: reason`.
 */
import { clockTimingWarnings } from '../domain/runbook-timing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUNBOOK_ACTIVITIES } from '../activities/catalog';
import { loadDirectory, targetProblem, type Directory } from '../comms/directory';
import { loadTemplates, type Template } from '../comms/templates';
import { loadHooksConfig, type HooksConfig } from '../hooks/hooks-config';
import { checkRunbook, type KnownThings } from '../domain/runbook-checks';
import { Runbook } from '../domain/runbook';
import { loadSalesforceTemplates } from '../salesforce/templates';
import { FileProblems, parseYamlText, schemaProblems, type FileProblem } from '../lib/yaml-file';

export interface ValidationReport {
  runbooks: { file: string; id?: string; version?: number }[];
  problems: FileProblem[];
  /** Things that work but may not do what is meant (a clock-bound message held up by diagnostics). */
  warnings: FileProblem[];
}

const hasPlaceholder = (value: unknown): boolean => typeof value === 'string' && value.includes('${');

/** Remediation hooks must exist in the hooks file, with exactly the parameters they declare. */
function hookProblem(hooks: HooksConfig | undefined, args: Record<string, unknown>): string | undefined {
  const name = args.hook;
  if (!hooks || typeof name !== 'string' || hasPlaceholder(name)) return undefined;
  const hook = hooks.hooks[name];
  if (!hook)
    return `hook "${name}" is not defined in the hooks file (defined: ${Object.keys(hooks.hooks).join(', ') || 'none'})`;
  const given = Object.keys((args.params as Record<string, unknown> | undefined) ?? {});
  const declared = Object.keys(hook.params ?? {});
  const missing = declared.filter((p) => !given.includes(p));
  const unknown = given.filter((p) => !declared.includes(p));
  if (missing.length) return `hook "${name}" needs params: ${missing.join(', ')}`;
  if (unknown.length) return `hook "${name}" does not take params: ${unknown.join(', ')}`;
  return undefined;
}

function activityProblem(name: string, args: Record<string, unknown>): string | undefined {
  const entry = RUNBOOK_ACTIVITIES[name];
  if (!entry) {
    const known = Object.keys(RUNBOOK_ACTIVITIES).sort();
    return `unknown activity "${name}" (known: ${known.join(', ') || 'none registered'})`;
  }
  const result = entry.args.safeParse(args);
  if (result.success) return undefined;
  // `${facts.x}` values are filled in when the incident runs; only judge the rest.
  const issues = result.error.issues.filter(
    (i) => !hasPlaceholder(i.path.reduce<unknown>((v, k) => (v as never)?.[k], args)),
  );
  if (!issues.length) return undefined;
  return `arguments for ${name}: ${issues.map((i) => `${i.path.join('.') || 'args'}: ${i.message}`).join('; ')}`;
}

export function knownThings(
  directory: Directory | undefined,
  templates: Map<string, Template> | undefined,
  hooks?: HooksConfig,
): KnownThings {
  return {
    activityProblem: (name, args) =>
      activityProblem(name, args) ?? (name === 'runRemediationHook' ? hookProblem(hooks, args) : undefined),
    isRisky: (name) => RUNBOOK_ACTIVITIES[name]?.risky ?? false,
    templateExists: (id) => templates === undefined || templates.has(id),
    targetProblem: (target) => (directory ? targetProblem(directory, target) : undefined),
    personExists: (id) => directory === undefined || Boolean(directory.people[id]),
    approversAvailable: (level) =>
      directory === undefined
        ? undefined
        : Object.entries(directory.people).filter(
            ([id, p]) => level.people.includes(id) || p.roles.some((r) => level.roles.includes(r)),
          ).length,
  };
}

function attempt<T>(load: () => T, problems: FileProblem[]): T | undefined {
  try {
    return load();
  } catch (err) {
    if (err instanceof FileProblems) problems.push(...err.problems);
    else throw err;
    return undefined;
  }
}

export interface ValidationContext {
  directoryFile: string;
  templatesDir: string;
  /** Remediation hooks (config/hooks.yaml); without it, hook names are not checked. */
  hooksFile?: string;
}

export function validateRunbooks(files: string[], context: ValidationContext): ValidationReport {
  const problems: FileProblem[] = [];
  const directory = attempt(() => loadDirectory(context.directoryFile), problems);
  const templates = attempt(() => loadTemplates(context.templatesDir), problems);
  attempt(() => loadSalesforceTemplates(join(context.templatesDir, 'salesforce')), problems);
  const hooks = context.hooksFile ? attempt(() => loadHooksConfig(context.hooksFile!), problems) : undefined;
  const known = knownThings(directory, templates, hooks);
  const warnings: FileProblem[] = [];
  const report: ValidationReport = { runbooks: [], problems, warnings };
  const parsedRunbooks: { file: string; runbook: Runbook }[] = [];

  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      problems.push({
        file,
        field: '',
        reason: `cannot read: ${(err as NodeJS.ErrnoException).code ?? err}`,
      });
      continue;
    }
    const parsed = parseYamlText(file, text);
    if (Array.isArray(parsed)) {
      problems.push(...parsed);
      report.runbooks.push({ file });
      continue;
    }
    const result = Runbook.safeParse(parsed.document.toJS());
    if (!result.success) {
      problems.push(...schemaProblems(parsed, result.error));
      report.runbooks.push({ file });
      continue;
    }
    const runbook = result.data;
    report.runbooks.push({ file, id: runbook.id, version: runbook.version });
    parsedRunbooks.push({ file, runbook });
    for (const p of checkRunbook(runbook, known)) {
      problems.push({ file, line: parsed.lineOf(p.path), field: p.path.join('.'), reason: p.reason });
    }
    for (const w of clockTimingWarnings(runbook)) {
      warnings.push({ file, line: parsed.lineOf(w.path), field: w.path.join('.'), reason: w.reason });
    }
  }

  const byId = new Map<string, string>();
  const byPattern = new Map<string, string>();
  const fallbacks = parsedRunbooks.filter((r) => r.runbook.match.fallback);
  for (const { file, runbook } of parsedRunbooks) {
    const other = byId.get(runbook.id);
    if (other)
      problems.push({ file, field: 'id', reason: `runbook id "${runbook.id}" is also used by ${other}` });
    byId.set(runbook.id, file);
    for (const pattern of runbook.match.patterns) {
      const claimed = byPattern.get(pattern);
      if (claimed)
        problems.push({
          file,
          field: 'match.patterns',
          reason: `pattern "${pattern}" is also claimed by ${claimed}`,
        });
      byPattern.set(pattern, file);
    }
  }
  if (fallbacks.length > 1) {
    for (const { file } of fallbacks.slice(1)) {
      problems.push({
        file,
        field: 'match.fallback',
        reason: `only one runbook may be the fallback (also ${fallbacks[0]!.file})`,
      });
    }
  }
  return report;
}
