/**
 * How incidents are named in Temporal: one workflow `lockout-<fingerprint>` of type
 * `lockoutIncident` per lockout, and the visibility queries that find them.
 */

export const INCIDENT_WORKFLOW_TYPE = 'lockoutIncident';
export const EXPIRY_WATCH_WORKFLOW_TYPE = 'expiryWatch';
export const CRM_SYNC_WORKFLOW_TYPE = 'crmSyncRecord';
export const PERIOD_WORKFLOW_TYPE = 'highRiskPeriod';
export const BUDGET_WATCH_WORKFLOW_TYPE = 'crisisBudgetWatch';

/** One high-risk period, one readiness workflow (not an incident: isIncidentId is false). */
export function periodWorkflowId(periodId: string): string {
  return `period-${periodId}`;
}

const PREFIX = 'lockout-';

/** One fingerprint, one incident. */
export function incidentIdFor(fingerprint: string): string {
  return `${PREFIX}${fingerprint}`;
}

/** Whether an id is named like an incident (a sync buffer or a schedule's workflow is not). */
export function isIncidentId(id: string): boolean {
  return id.startsWith(PREFIX);
}

/** What a person types: `lockout-abc` or just `abc`. */
export function incidentIdFromArg(arg: string): string {
  return arg.startsWith(PREFIX) ? arg : incidentIdFor(arg);
}

/** Visibility query for incidents; `extra` clauses are ANDed. */
export function incidentsQuery(options: { running?: boolean; extra?: string[] } = {}): string {
  const clauses = [`WorkflowType = '${INCIDENT_WORKFLOW_TYPE}'`];
  if (options.running) clauses.push(`ExecutionStatus = 'Running'`);
  return [...clauses, ...(options.extra ?? [])].join(' AND ');
}
