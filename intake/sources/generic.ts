/**
 * The documented generic JSON alert (docs/alerts.md), as `POST /alerts/generic` and
 * `lockout trigger` take it. What the sender states (pattern, severity, region) wins over
 * classification rules.
 */
import { GenericAlert } from '../../domain/alert';
import { deriveFingerprint } from '../fingerprint';
import type { SourcePayload } from '../source-alert';
import { parsePayload } from './parse';

export function parseGeneric(body: unknown): SourcePayload {
  const a = parsePayload(GenericAlert, body);
  const fingerprint =
    a.fingerprint ??
    deriveFingerprint({
      source: a.source,
      pattern: a.pattern ?? 'unclassified',
      region: a.region ?? 'global',
      title: a.title,
    });
  return {
    alerts: [
      {
        kind: 'generic',
        source: a.source,
        fingerprint,
        status: a.status,
        title: a.title,
        description: a.description,
        labels: a.labels,
        startsAt: a.startsAt,
        event: body,
        stated: {
          pattern: a.pattern,
          severity: a.severity,
          region: a.region,
          euPersonalData: a.euPersonalData,
        },
      },
    ],
  };
}
