/** Fingerprints decide grouping: one fingerprint, one incident (client/ids.ts names it). */
import { createHash } from 'node:crypto';

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
