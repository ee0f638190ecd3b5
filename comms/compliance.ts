/**
 * What the formal reports say, derived from an incident's status: ISO 27001 evidence for
 * A.5.24–A.5.28, GDPR Art. 33 facts, and the risks still open. Pure functions of the status.
 */
import { formatDuration } from '../domain/duration';
import type { IncidentStatus } from '../domain/incident';
import { CONTROLS_BY_PATTERN, INCIDENT_MANAGEMENT_CONTROLS } from '../domain/iso27001';

export const GDPR_NOTIFICATION_WINDOW_MS = 72 * 3_600_000;

/** Steps that changed something to restore service (the engine's `activity` steps). */
export function remediationSteps(status: IncidentStatus) {
  return status.steps.filter((s) => s.kind === 'activity' || s.kind === 'remediation');
}

export function controlsAffected(status: IncidentStatus) {
  return CONTROLS_BY_PATTERN[status.facts.pattern];
}

type Evidence = { status: 'evidenced' | 'in progress' | 'pending'; evidence: string };

export function annexAEvidence(status: IncidentStatus) {
  const ack = status.acknowledgements[0];
  const done = status.steps.filter((s) => s.state === 'done').length;
  const failed = status.steps.filter((s) => s.state === 'failed').length;
  const remediation = remediationSteps(status);
  const withIds = status.deliveries.filter((d) => d.messageId).length;
  const evidence: Record<string, Evidence> = {
    'A.5.24': {
      status: 'evidenced',
      evidence:
        `Pre-defined runbook "${status.runbook.title}" (${status.runbook.id} v${status.runbook.version}) ` +
        `with ${status.escalationLevels} escalation level(s) and ${status.clocks.length} communication clock(s).`,
    },
    'A.5.25': ack
      ? {
          status: 'evidenced',
          evidence: `Classified as ${status.facts.pattern}, ${status.facts.severity}, region ${status.facts.region}; owned by ${ack.by} at ${ack.at}.`,
        }
      : {
          status: 'in progress',
          evidence: `Classified as ${status.facts.pattern}, ${status.facts.severity}, region ${status.facts.region}; not acknowledged yet (escalation level ${status.escalationLevel}).`,
        },
    'A.5.26': {
      status: status.resolution ? 'evidenced' : 'in progress',
      evidence:
        `${done} step(s) done, ${failed} failed; ${remediation.length} remediation action(s); ` +
        `${status.approvals.length} approval decision(s) requested; escalation reached level ${status.escalationLevel}.`,
    },
    'A.5.27': status.resolution
      ? {
          status: 'in progress',
          evidence: `Resolved by ${status.resolution.by}: "${status.resolution.reason}". Post-incident review to be held and recorded.`,
        }
      : { status: 'pending', evidence: 'Post-incident review follows resolution.' },
    'A.5.28': {
      status: 'evidenced',
      evidence:
        `Timestamped timeline of ${status.timeline.length} entries; ${status.deliveries.length} delivery attempt(s), ` +
        `${withIds} with provider message ids; the Temporal workflow history is the tamper-evident record.`,
    },
  };
  return INCIDENT_MANAGEMENT_CONTROLS.map((c) => ({ ...c, ...evidence[c.id]! }));
}

/** GDPR Art. 33: when the 72 hours run from, and where they stand at `asOf`. */
export function gdprFacts(status: IncidentStatus, asOf: string) {
  const clock = status.clocks.find((c) => c.legal && /gdpr/i.test(c.id));
  const awareAt = status.awareness?.at ?? clock?.startedAt;
  const deadline =
    clock?.deadline ??
    (awareAt ? new Date(Date.parse(awareAt) + GDPR_NOTIFICATION_WINDOW_MS).toISOString() : undefined);
  const labels = status.facts.labels;
  return {
    personalDataAffected: status.facts.euPersonalData,
    window:
      awareAt && deadline
        ? {
            awareAt,
            awareBy: status.awareness?.by ?? null,
            deadline,
            timeLeft:
              Date.parse(deadline) > Date.parse(asOf)
                ? formatDuration(Date.parse(deadline) - Date.parse(asOf))
                : null,
            clockState: clock?.state ?? null,
          }
        : null,
    // Alert labels carry what monitoring knows about scope; legal completes the rest.
    dataCategories: labels['data-categories'] ?? null,
    dataSubjects: labels['data-subjects'] ?? null,
    records: labels.records ?? null,
  };
}

/** What is still unresolved, in the words a report reader needs. */
export function openRisks(status: IncidentStatus, asOf: string): string[] {
  const risks: string[] = [];
  if (!status.resolution) risks.push(`Integration still locked out (phase ${status.phase}).`);
  if (!status.acknowledgements.length) risks.push('Nobody has acknowledged the incident yet.');
  if (status.facts.euPersonalData && !status.awareness)
    risks.push('EU personal data affected: the GDPR breach assessment (awareness decision) is still open.');
  for (const c of status.clocks) {
    if (c.state === 'missed') risks.push(`Deadline missed: ${c.title} (${c.within} from ${c.from}).`);
    else if (c.state === 'running' && c.deadline)
      risks.push(
        `Deadline running: ${c.title}, due ${c.deadline} (in ${formatDuration(Date.parse(c.deadline) - Date.parse(asOf))}).`,
      );
  }
  for (const a of status.approvals.filter((a) => a.state === 'pending'))
    risks.push(`Approval pending: ${a.title}${a.deadline ? ` (decide by ${a.deadline})` : ''}.`);
  for (const s of status.steps.filter((s) => s.state === 'failed'))
    risks.push(`Step failed: ${s.title ?? s.id}${s.result ? `: ${s.result.summary}` : ''}.`);
  const reached = new Set(
    status.deliveries.filter((d) => d.outcome === 'delivered').map((d) => `${d.step}/${d.recipient}`),
  );
  const unreached = new Set(
    status.deliveries.filter((d) => !reached.has(`${d.step}/${d.recipient}`)).map((d) => d.recipient),
  );
  if (unreached.size) risks.push(`Not confirmed delivered to: ${[...unreached].join(', ')}.`);
  return risks;
}
