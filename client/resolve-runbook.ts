/**
 * A runbook as an incident carries it (resolveRunbook, in activities/runbooks.ts where a
 * reclassified incident resolves its new runbook too: the definition from disk, with what the
 * catalog knows about each activity step filled in), and the facts an alert gives an incident.
 */
import { resolveRunbook } from '../activities/runbooks';
import type { Alert } from '../domain/alert';
import { declaredFacts } from '../domain/facts';
import type { IncidentFacts } from '../domain/incident';
import type { Runbook } from '../domain/runbook';

export { resolveRunbook };

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
