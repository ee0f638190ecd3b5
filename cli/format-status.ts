/** An incident's status as a responder reads it in a terminal. */
import { formatDuration } from '../domain/duration';
import type { IncidentStatus } from '../domain/incident';

export function formatStatus(s: IncidentStatus, now = Date.now()): string {
  const f = s.facts;
  const age = formatDuration((s.resolution ? Date.parse(s.resolution.at) : now) - Date.parse(s.detectedAt));
  const lines = [
    `${s.incidentId}  ${f.severity} ${f.pattern} (${f.region})  ${s.phase.toUpperCase()}`,
    `  ${f.title}`,
    `  runbook      ${s.runbook.id} v${s.runbook.version} (${s.runbook.title})`,
    `  detected     ${s.detectedAt} (${s.resolution ? 'lasted' : 'open for'} ${age})`,
    `  escalation   level ${s.escalationLevel} of ${s.escalationLevels}`,
    `  alerts       ${s.alertCount} (${s.alerts.length} distinct)`,
    `  acknowledged ${s.acknowledgements.length ? s.acknowledgements.map((a) => `${a.by} at ${a.at}`).join(', ') : 'no'}`,
  ];
  if (s.resolution)
    lines.push(`  resolved     by ${s.resolution.by} at ${s.resolution.at}: ${s.resolution.reason}`);
  lines.push('', 'Timeline:');
  for (const entry of s.timeline) lines.push(`  ${entry.at}  ${entry.summary}`);
  return lines.join('\n');
}
