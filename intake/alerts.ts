/** Turning what a source sent into the Alert every incident understands. */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { describeIssues, GenericAlert, type Alert } from '../domain/alert';

export class AlertRejected extends Error {
  constructor(readonly problems: string[]) {
    super(`alert rejected:\n  ${problems.join('\n  ')}`);
    this.name = 'AlertRejected';
  }
}

/** Alerts without a fingerprint are grouped by what they are about, not by their wording's details. */
export function deriveFingerprint(parts: {
  source: string;
  pattern: string;
  region: string;
  title: string;
}): string {
  const key = [parts.source, parts.pattern, parts.region, parts.title.trim().toLowerCase()].join('\n');
  return createHash('sha256').update(key).digest('hex').slice(0, 20);
}

export function parseGenericAlert(body: unknown, receivedAt = new Date()): Alert {
  const result = GenericAlert.safeParse(body);
  if (!result.success) throw new AlertRejected(describeIssues(result.error as z.ZodError));
  const a = result.data;
  const pattern = a.pattern ?? 'unclassified';
  const region = a.region ?? 'global';
  return {
    fingerprint: a.fingerprint ?? deriveFingerprint({ source: a.source, pattern, region, title: a.title }),
    source: a.source,
    status: a.status,
    title: a.title,
    pattern,
    severity: a.severity,
    region,
    description: a.description,
    euPersonalData: a.euPersonalData,
    labels: a.labels,
    startsAt: a.startsAt,
    receivedAt: receivedAt.toISOString(),
  };
}

export function incidentIdFor(fingerprint: string): string {
  return `lockout-${fingerprint}`;
}
