/**
 * Archiving an incident's evidence pack when it closes (docs/evidence.md). The pack is built from
 * the incident's own status and history, read through the client; the composition root wires
 * that and the store (deps.evidence). A retry finds the pack already archived and keeps it.
 */
import type { ActivityDeps } from './deps';

export interface ArchiveEvidenceInput {
  incidentId: string;
}

export interface EvidenceArchived {
  archived: boolean;
  /** One line for the incident's timeline. */
  summary: string;
  location?: string;
  /** The manifest's seal: `lockout evidence verify --seal` checks a pack against it. */
  seal?: string;
}

export function evidenceActivities(deps: ActivityDeps) {
  return {
    async archiveEvidence(input: ArchiveEvidenceInput): Promise<EvidenceArchived> {
      if (!deps.evidence)
        return { archived: false, summary: 'evidence pack not archived: no evidence store configured' };
      const result = await deps.evidence.archive(input.incidentId);
      const notes = result.notes.length ? ` (${result.notes.join('; ')})` : '';
      return {
        archived: true,
        location: result.location,
        seal: result.seal,
        summary:
          result.outcome === 'archived'
            ? `evidence pack archived to ${result.location}, seal ${result.seal}${notes}`
            : `evidence pack already archived at ${result.location}, seal ${result.seal}: kept as it was`,
      };
    },
  };
}
