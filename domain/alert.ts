/**
 * The alert every source is normalised into, and the documented generic JSON format.
 * Schemas live here; types are derived from them.
 */
import { z } from 'zod';

export const PATTERNS = [
  'certificate-chain',
  'acl-misconfiguration',
  'audit-log-failure',
  'data-residency',
  'vendor-assessment',
  'token-expiry',
  'unclassified',
] as const;
export const SEVERITIES = ['sev1', 'sev2', 'sev3'] as const;
export const REGIONS = ['eu', 'us', 'global'] as const;
/**
 * `firing` opens or joins an incident. `acknowledged` (a source such as PagerDuty says someone is
 * on it) and `resolved` only join a running incident, as a fact for its timeline: they never start
 * one, and only a person's acknowledgement stops escalation.
 */
export const ALERT_STATUSES = ['firing', 'acknowledged', 'resolved'] as const;

export const Pattern = z.enum(PATTERNS);
export const Severity = z.enum(SEVERITIES);
export const Region = z.enum(REGIONS);
export type Pattern = z.infer<typeof Pattern>;
export type Severity = z.infer<typeof Severity>;
export type Region = z.infer<typeof Region>;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** Characters a fingerprint may use: it becomes part of a workflow id and of URLs. */
export const FINGERPRINT = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The generic JSON alert, as POSTed to /alerts/generic and sent by `lockout trigger`. */
export const GenericAlert = z
  .object({
    title: z.string().trim().min(1, 'must not be empty').max(300),
    fingerprint: z
      .string()
      .regex(
        FINGERPRINT,
        'must be 1-128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
      )
      .optional(),
    source: z.string().trim().min(1).max(100).default('generic'),
    status: z.enum(['firing', 'resolved']).default('firing'),
    pattern: Pattern.optional(),
    severity: Severity.optional(),
    region: Region.optional(),
    description: z.string().max(4000).optional(),
    euPersonalData: z.boolean().optional(),
    labels: z.record(z.string().max(100), z.string().max(500)).default({}),
    startsAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export type GenericAlert = z.input<typeof GenericAlert>;

/** What the workflow receives for each alert, whatever its source. */
export interface Alert {
  fingerprint: string;
  source: string;
  status: AlertStatus;
  title: string;
  pattern: Pattern;
  /** Absent when the source did not say: the runbook's default applies. */
  severity?: Severity;
  region: Region;
  description?: string;
  euPersonalData?: boolean;
  labels: Record<string, string>;
  startsAt?: string;
  receivedAt: string;
}

/** One line per problem: `field: reason`. zod's paths become dotted field names. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.join('.') : '(body)';
    if (issue.code === 'unrecognized_keys') return `${field}: unknown field(s) ${issue.keys.join(', ')}`;
    if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
      return `${field}: required (${issue.expected})`;
    }
    return `${field}: ${issue.message}`;
  });
}
