/** An incident status for previewing templates without a running incident: from facts alone. */
import type { Alert } from '../domain/alert';
import type { IncidentStatus } from '../domain/incident';
import type { Runbook } from '../domain/runbook';

export function previewStatus(alert: Alert, runbook: Runbook, now: string): IncidentStatus {
  return {
    incidentId: 'lockout-preview',
    runbook: { id: runbook.id, version: runbook.version, title: runbook.title },
    facts: {
      // Runbook-declared facts start empty (the engine fills them from labels and defaults).
      ...{ custom: {} },
      title: alert.title,
      pattern: alert.pattern,
      severity: alert.severity ?? runbook.severity,
      region: alert.region,
      euPersonalData: alert.euPersonalData ?? false,
      source: alert.source,
      description: alert.description,
      labels: alert.labels,
    },
    phase: 'detected',
    detectedAt: alert.startsAt ?? now,
    escalationLevel: 0,
    escalationLevels: runbook.escalation.levels.length,
    alertCount: 1,
    alerts: [],
    acknowledgements: [],
    deliveries: [],
    receipts: [],
    steps: [],
    clocks: [],
    approvals: [],
    timeline: [{ at: now, kind: 'step', summary: `preview with runbook ${runbook.id} v${runbook.version}` }],
  };
}
