/**
 * An evidence pack built in process, without a server: a resolved incident with approvals, a
 * missed clock and a failed delivery (test/evidence-pack.test.ts, test/evidence-s3.test.ts).
 */
import type { EvidenceSource } from '../../domain/evidence';
import type { IncidentStatus } from '../../domain/incident';
import { packContents, sealPack, type PackFiles, type PackMeta } from '../../evidence/pack';

export const T = (min: number) => new Date(Date.UTC(2026, 10, 30, 9, 0) + min * 60_000).toISOString();
export const META: PackMeta = { generatedAt: T(600), tool: { name: 'lockout-runbook', version: 'test' } };

export function statusOf(
  incidentId: string,
  title = 'Salesforce API certificate chain invalid',
): IncidentStatus {
  return {
    incidentId,
    runbook: { id: 'certificate-chain', version: 2, title: 'Certificate chain' },
    facts: {
      title,
      pattern: 'certificate-chain',
      severity: 'sev1',
      region: 'eu',
      euPersonalData: true,
      source: 'generic',
      labels: {},
      custom: {},
    },
    phase: 'resolved',
    detectedAt: T(0),
    escalationLevel: 1,
    escalationLevels: 3,
    alertCount: 2,
    alerts: [{ source: 'generic', title, status: 'firing', count: 2, firstAt: T(0), lastAt: T(2) }],
    acknowledgements: [{ by: 'ana', at: T(20) }],
    deliveries: [
      {
        at: T(1),
        step: 'notify-ops',
        recipient: 'ana',
        channel: 'email',
        outcome: 'delivered',
        messageId: '<m1@smtp>',
        detail: '250 OK',
      },
      {
        at: T(1),
        step: 'notify-ops',
        recipient: 'ben',
        channel: 'sms',
        outcome: 'failed',
        detail: 'Twilio 21211: invalid To',
      },
    ],
    receipts: [],
    resolution: { by: 'ana', at: T(120), reason: 'intermediate certificate re-issued' },
    steps: [
      { id: 'approve-rotation', kind: 'approval', state: 'done', startedAt: T(5), endedAt: T(12) },
      {
        id: 'rotate',
        kind: 'activity',
        state: 'done',
        startedAt: T(12),
        endedAt: T(13),
        result: { ok: true, summary: 'rotated' },
      },
    ],
    clocks: [
      {
        id: 'ops-15m',
        title: 'Operations told',
        from: 'detected',
        within: '15m',
        legal: false,
        state: 'met',
        startedAt: T(0),
        deadline: T(15),
        metAt: T(1),
        lateByMs: 0,
        warnedAt: [],
      },
      {
        id: 'ack-15m',
        title: 'Acknowledged',
        from: 'detected',
        within: '15m',
        legal: false,
        state: 'missed',
        startedAt: T(0),
        deadline: T(15),
        lateByMs: 5 * 60_000,
        warnedAt: [],
      },
      {
        id: 'gdpr-art33',
        title: 'GDPR Art. 33',
        from: 'aware',
        within: '72h',
        legal: true,
        state: 'met',
        startedAt: T(0),
        deadline: T(72 * 60),
        metAt: T(300),
        lateByMs: 0,
        warnedAt: [],
      },
    ],
    approvals: [
      {
        step: 'approve-rotation',
        title: 'Rotate the certificate',
        approvers: { roles: ['security'], people: [] },
        quorum: 2,
        twoPersonRule: true,
        requestedAt: T(5),
        level: 0,
        state: 'approved',
        eligible: ['ben', 'dev'],
        decisions: [
          { by: 'ben', at: T(10), decision: 'approve' },
          { by: 'dev', at: T(12), decision: 'approve' },
        ],
      },
    ],
    awareness: { at: T(0), by: 'alert: EU personal data affected' },
    timeline: [
      { at: T(0), kind: 'alert', summary: `alert: ${title}` },
      { at: T(1), kind: 'notification', summary: 'ana reached by email', step: 'notify-ops' },
      { at: T(15), kind: 'clock', summary: 'Acknowledged: missed' },
      { at: T(20), kind: 'acknowledgement', summary: 'acknowledged by ana', actor: 'ana' },
      { at: T(300), kind: 'clock', summary: 'GDPR Art. 33: recorded as met at x by kemi', actor: 'kemi' },
      { at: T(120), kind: 'resolution', summary: 'resolved by ana', actor: 'ana' },
    ],
  };
}

export function sourceOf(incidentId: string, title?: string): EvidenceSource {
  return {
    status: statusOf(incidentId, title),
    execution: 'completed',
    closedAt: T(400),
    runs: 1,
    alerts: [{ at: T(0), alert: { title: title ?? 'x' } as never }],
    actions: [
      {
        at: T(10),
        action: 'approve',
        as: 'update',
        input: { step: 'approve-rotation', by: 'ben', id: 'a1' },
        outcome: { accepted: true, message: 'approved' },
      },
      {
        at: T(11),
        action: 'approve',
        as: 'update',
        input: { step: 'approve-rotation', by: 'ben', via: 'status page' },
        outcome: { accepted: false, reason: 'already decided by ben' },
      },
      {
        at: T(12),
        action: 'approve',
        as: 'signal',
        input: { step: 'approve-rotation', by: 'dev', via: 'signed link', link: 'n1' },
      },
      { at: T(20), action: 'acknowledge', as: 'signal', input: { by: 'ana' } },
    ],
  };
}

export function packOf(incidentId: string, title?: string): PackFiles {
  const source = sourceOf(incidentId, title);
  return sealPack(source, packContents(source, META), META).files;
}

/** A pack's build as a store's `archive` calls it; `generatedAt` tells two builds apart. */
export const buildOf =
  (incidentId: string, generatedAt = META.generatedAt) =>
  async () => {
    const source = sourceOf(incidentId);
    const meta = { ...META, generatedAt };
    return sealPack(source, packContents(source, meta), meta);
  };
