/** An incident's status as a responder reads it in a terminal. */
import { formatDuration } from '../domain/duration';
import type { ClockStatus, IncidentStatus } from '../domain/incident';
import { printableDeep } from '../lib/printable';

function clockLine(c: ClockStatus, now: number): string {
  const legal = c.legal ? ' (legal)' : '';
  switch (c.state) {
    case 'met':
      return `met ${c.metAt}${c.lateByMs ? `, ${formatDuration(c.lateByMs)} late` : ', in time'}`;
    case 'missed':
      return `MISSED, deadline ${c.deadline}${legal}`;
    case 'running':
      return `due ${c.deadline} (in ${formatDuration(Date.parse(c.deadline!) - now)})${legal}`;
    case 'waiting':
      return `starts when ${c.from}`;
    default:
      return 'does not apply';
  }
}

function alertsResolvedLine(a: NonNullable<IncidentStatus['alertsResolved']>): string {
  const next =
    a.policy === 'propose'
      ? 'resolution proposed'
      : a.policy === 'resolve-after'
        ? `resolves by itself at ${a.resolvesAt} unless an alert fires again`
        : 'nothing more (the runbook says ignore)';
  return `All alerts resolved at the source since ${a.at}: ${next}`;
}

/** Every field one line: a title or reason cannot draw a fake line of its own. */
export function formatStatus(untrusted: IncidentStatus, now = Date.now()): string {
  const s = printableDeep(untrusted);
  const f = s.facts;
  const age = formatDuration((s.resolution ? Date.parse(s.resolution.at) : now) - Date.parse(s.detectedAt));
  const custom = Object.entries(f.custom ?? {}).map(
    ([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`,
  );
  const lines = [
    `${s.incidentId}  ${f.severity} ${f.pattern} (${f.region})  ${s.phase.toUpperCase()}`,
    `  ${f.title}`,
    `  runbook      ${s.runbook.id} v${s.runbook.version} (${s.runbook.title})`,
    `  detected     ${s.detectedAt} (${s.resolution ? 'lasted' : 'open for'} ${age})`,
    `  escalation   level ${s.escalationLevel} of ${s.escalationLevels}`,
    `  alerts       ${s.alertCount} (${s.alerts.length} distinct)`,
    `  acknowledged ${s.acknowledgements.length ? s.acknowledgements.map((a) => `${a.by} at ${a.at}`).join(', ') : 'no'}`,
    `  facts        EU personal data: ${f.euPersonalData ? 'yes' : 'no'}${custom.length ? `; ${custom.join('; ')}` : ''}`,
  ];
  if (s.awareness) lines.push(`  aware        ${s.awareness.at} (set by ${s.awareness.by})`);
  if (s.alertsResolved) lines.push(`  ${alertsResolvedLine(s.alertsResolved)}`);
  if (s.resolution)
    lines.push(`  resolved     by ${s.resolution.by} at ${s.resolution.at}: ${s.resolution.reason}`);
  if (s.clocks.length) {
    lines.push('', 'Clocks:');
    const width = Math.max(...s.clocks.map((c) => c.title.length));
    for (const c of s.clocks) lines.push(`  ${c.title.padEnd(width)}  ${clockLine(c, now)}`);
  }
  if (s.approvals.length) {
    lines.push('', 'Approvals:');
    for (const a of s.approvals) {
      const votes = a.decisions.map((d) => `${d.decision} ${d.by}`).join(', ') || 'no decisions';
      lines.push(
        `  ${a.step}  ${a.state.toUpperCase()}  ${a.title}  (${votes}; quorum ${a.quorum}; may decide: ${a.eligible.join(', ')})`,
      );
    }
  }
  lines.push('', 'Timeline:');
  for (const entry of s.timeline) lines.push(`  ${entry.at}  ${entry.summary}`);
  return lines.join('\n');
}
