/**
 * Hand-built incident statuses for rendering tests: what the runbook engine will report, built
 * from the declared IncidentStatus type (steps, clocks, approvals, awareness).
 */
import type { IncidentFacts, IncidentStatus } from '../../domain/incident';
import type { Runbook } from '../../domain/runbook';
import { urgencyOf } from '../../domain/urgency';
import type { ListedIncident } from '../../client/open-incidents';

export function freshStatus(
  runbook: Pick<Runbook, 'id' | 'version' | 'title'>,
  facts: Partial<IncidentFacts> = {},
): IncidentStatus {
  const detectedAt = '2026-11-26T02:14:00.000Z';
  return {
    incidentId: 'lockout-sf-cert-chain-prod',
    runbook: { id: runbook.id, version: runbook.version, title: runbook.title },
    facts: {
      title: 'Salesforce API certificate chain invalid',
      pattern: 'certificate-chain',
      severity: 'sev1',
      region: 'eu',
      euPersonalData: true,
      source: 'blackbox-exporter',
      labels: {},
      // Runbook-declared facts, when the engine's IncidentFacts has them.
      ...{ custom: {} },
      ...facts,
    } as IncidentFacts,
    phase: 'detected',
    detectedAt,
    escalationLevel: 0,
    escalationLevels: 2,
    alertCount: 1,
    alerts: [],
    acknowledgements: [],
    deliveries: [],
    receipts: [],
    steps: [],
    clocks: [],
    approvals: [],
    timeline: [
      {
        at: detectedAt,
        kind: 'step',
        summary: `incident opened with runbook ${runbook.id} v${runbook.version}`,
      },
    ],
  };
}

/** Five hours in: acknowledged, remediation run, one clock met and one missed, GDPR clock running. */
export function advancedStatus(
  runbook: Pick<Runbook, 'id' | 'version' | 'title'>,
  facts: Partial<IncidentFacts> = {},
): IncidentStatus {
  const s = freshStatus(runbook, {
    labels: { 'data-subjects': '~12,000', 'data-categories': 'contact details, order history' },
    ...facts,
  });
  return {
    ...s,
    phase: 'contained',
    escalationLevel: 1,
    acknowledgements: [{ by: 'ana', at: '2026-11-26T02:31:00.000Z', note: 'on it' }],
    deliveries: [
      {
        at: '2026-11-26T02:14:05.000Z',
        step: 'notify-ops',
        recipient: 'ana',
        channel: 'sms',
        outcome: 'failed',
        detail: "21211: Invalid 'To' Phone Number",
      },
      {
        at: '2026-11-26T02:14:07.000Z',
        step: 'notify-ops',
        recipient: 'ana',
        channel: 'email',
        outcome: 'delivered',
        messageId: '<abc@lockout-runbook>',
      },
    ],
    steps: [
      {
        id: 'notify-ops',
        kind: 'notify',
        title: 'Operations technical alert',
        state: 'done',
        startedAt: '2026-11-26T02:14:01.000Z',
        endedAt: '2026-11-26T02:14:07.000Z',
      },
      {
        id: 'reissue-certificate',
        kind: 'activity',
        title: 'Re-issue intermediate certificate',
        state: 'done',
        startedAt: '2026-11-26T03:40:00.000Z',
        endedAt: '2026-11-26T03:52:00.000Z',
        result: { ok: true, summary: 'chain re-issued, handshake verified' },
      },
    ],
    clocks: [
      {
        id: 'ops-alert',
        title: 'Operations alerted',
        from: 'detected',
        within: '15m',
        legal: false,
        state: 'met',
        startedAt: s.detectedAt,
        deadline: '2026-11-26T02:29:00.000Z',
        metAt: '2026-11-26T02:14:07.000Z',
        warnedAt: [],
      },
      {
        id: 'stakeholders',
        title: 'Stakeholders notified',
        from: 'detected',
        within: '60m',
        legal: false,
        state: 'missed',
        startedAt: s.detectedAt,
        deadline: '2026-11-26T03:14:00.000Z',
        lateByMs: 25 * 60_000,
        warnedAt: ['2026-11-26T03:04:00.000Z'],
      },
      {
        id: 'gdpr-72h',
        title: 'GDPR Art. 33 notification',
        from: 'aware',
        within: '72h',
        legal: true,
        state: 'running',
        startedAt: '2026-11-26T04:00:00.000Z',
        deadline: '2026-11-29T04:00:00.000Z',
        warnedAt: [],
      },
    ],
    approvals: [
      {
        step: 'approve-reissue',
        title: 'Re-issue the certificate in production',
        approvers: { roles: ['engineering-lead'], people: [] },
        quorum: 1,
        twoPersonRule: true,
        ...{ eligible: ['ben'] },
        requestedAt: '2026-11-26T03:20:00.000Z',
        requestedBy: 'ana',
        level: 0,
        state: 'approved',
        decisions: [
          { by: 'ben', at: '2026-11-26T03:35:00.000Z', decision: 'approve', reason: 'change CHG-1042' },
        ],
      },
    ],
    awareness: { at: '2026-11-26T04:00:00.000Z', by: 'kemi' },
    timeline: [
      ...s.timeline,
      {
        at: '2026-11-26T02:31:00.000Z',
        kind: 'acknowledgement',
        summary: 'acknowledged by ana: on it',
        actor: 'ana',
      },
      { at: '2026-11-26T07:14:00.000Z', kind: 'phase', summary: 'phase → contained' },
    ],
  };
}

export function resolvedStatus(
  runbook: Pick<Runbook, 'id' | 'version' | 'title'>,
  facts: Partial<IncidentFacts> = {},
): IncidentStatus {
  const s = advancedStatus(runbook, facts);
  const at = '2026-11-26T08:44:00.000Z';
  return {
    ...s,
    phase: 'resolved',
    resolution: { by: 'ana', at, reason: 'intermediate certificate re-issued' },
    timeline: [
      ...s.timeline,
      {
        at,
        kind: 'resolution',
        summary: 'resolved by ana: intermediate certificate re-issued',
        actor: 'ana',
      },
    ],
  };
}

/** What visibility would say of a status: the search attributes the incident publishes. */
export function listedOf(s: IncidentStatus): ListedIncident {
  const urgency = urgencyOf(s);
  const pending = s.approvals.filter((a) => a.state === 'pending').length;
  return {
    id: s.incidentId,
    startedAt: s.detectedAt,
    pattern: s.facts.pattern,
    severity: s.facts.severity,
    region: s.facts.region,
    phase: s.phase,
    escalationLevel: s.escalationLevel,
    pendingApprovals: pending,
    nextDeadline: urgency.nextDeadline,
    approvers: urgency.approvers.length || pending === 0 ? urgency.approvers : null,
  };
}
