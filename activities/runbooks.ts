/**
 * The runbook a reclassified incident moves to, as this worker's configuration has it: workflows
 * read no files, so a `reclassify` request (CLI, status page, Web UI signal) names a pattern or a
 * runbook id and the incident asks here for the definition.
 */
import { RUNBOOK_ACTIVITIES } from './catalog';
import type { ActivityDeps } from './deps';
import type { Pattern } from '../domain/alert';
import { runbookFor } from '../domain/reclassification';
import type { Runbook, Step } from '../domain/runbook';

function resolveSteps(steps: Step[]): Step[] {
  return steps.map((step) => {
    if (step.kind === 'parallel') return { ...step, branches: step.branches.map(resolveSteps) };
    if (step.kind === 'activity') {
      const entry = RUNBOOK_ACTIVITIES[step.activity];
      return { ...step, regional: step.regional ?? entry?.regional ?? false, risky: entry?.risky ?? false };
    }
    return step;
  });
}

/**
 * A runbook as an incident carries it: the definition from disk, with what the catalog knows
 * about each activity step (whether it runs on the data's regional queue, whether it is a
 * remediation that changes things outside) filled in.
 */
export function resolveRunbook(runbook: Runbook): Runbook {
  return { ...runbook, steps: resolveSteps(runbook.steps) };
}

export type RunbookLookup = { ok: true; runbook: Runbook } | { ok: false; reason: string };

export function runbookActivities(deps: ActivityDeps) {
  return {
    /** Never throws for a runbook that is not there: the answer says why, and the incident records it. */
    async runbookForReclassification(wanted: { pattern: Pattern; runbook?: string }): Promise<RunbookLookup> {
      if (!deps.runbooks)
        return { ok: false, reason: 'runbook: this worker has no runbooks configured to move to' };
      const found = runbookFor(deps.runbooks(), wanted);
      return found.ok ? { ok: true, runbook: resolveRunbook(found.runbook) } : found;
    },
  };
}
