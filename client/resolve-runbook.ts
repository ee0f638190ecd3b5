/**
 * A runbook as an incident carries it: the definition from disk, with what the catalog knows
 * about each activity step (whether it runs on the data's regional queue, whether it is a
 * remediation that changes things outside) filled in.
 */
import { RUNBOOK_ACTIVITIES } from '../activities/catalog';
import type { Alert } from '../domain/alert';
import { declaredFacts } from '../domain/facts';
import type { IncidentFacts } from '../domain/incident';
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

export function resolveRunbook(runbook: Runbook): Runbook {
  return { ...runbook, steps: resolveSteps(runbook.steps) };
}

export function factsFrom(alert: Alert, runbook: Runbook): IncidentFacts {
  return {
    title: alert.title,
    pattern: alert.pattern,
    severity: alert.severity ?? runbook.severity,
    region: alert.region,
    // A runbook may say EU personal data is affected unless the alert says otherwise (data residency).
    euPersonalData: alert.euPersonalData ?? runbook.facts.euPersonalData?.default === true,
    source: alert.source,
    description: alert.description,
    labels: alert.labels,
    custom: declaredFacts(runbook, alert.labels).facts,
  };
}
