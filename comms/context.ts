/**
 * What a template can say about an incident. Every key is always present (null when unknown),
 * so strict rendering catches misspelt variables without tripping over optional facts.
 */
import { formatDuration } from '../domain/duration';
import type { IncidentStatus } from '../domain/incident';
import type { Recipient } from './directory';

export interface MessageLinks {
  /** The incident in the Temporal Web UI. */
  webUi: string;
}

export function messageContext(
  status: IncidentStatus,
  recipient: Recipient,
  links: MessageLinks,
  about: Record<string, unknown> = {},
) {
  const { facts } = status;
  const lastAck = status.acknowledgements.at(-1);
  const resolvedAt = status.resolution ? Date.parse(status.resolution.at) : undefined;
  return {
    recipient: { name: recipient.name },
    incident: {
      id: status.incidentId,
      title: facts.title,
      pattern: facts.pattern,
      severity: facts.severity,
      region: facts.region,
      euPersonalData: facts.euPersonalData,
      source: facts.source,
      description: facts.description ?? null,
      phase: status.phase,
      detectedAt: status.detectedAt,
      alertCount: status.alertCount,
      escalationLevel: status.escalationLevel,
      runbook: status.runbook,
      link: links.webUi,
      acknowledgedBy: lastAck?.by ?? null,
      acknowledgedAt: lastAck?.at ?? null,
      duration: resolvedAt === undefined ? null : formatDuration(resolvedAt - Date.parse(status.detectedAt)),
    },
    ack: {
      command: `lockout ack ${status.incidentId} --by <your-name>`,
      signal: 'acknowledge',
      signalPayload: '{"by": "<your-name>"}',
    },
    resolution: status.resolution ?? null,
    timeline: status.timeline,
    /** What this particular message is about (an approval, a clock); empty for plain incident news. */
    about,
  };
}
