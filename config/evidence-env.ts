/**
 * The S3-compatible evidence store, from environment variables (part of config/env.ts).
 * docs/evidence.md explains the store; docs/configuration.md lists the variables. Credentials are
 * not here: the AWS SDK's own chain finds them (AWS_ACCESS_KEY_ID…, a profile, an instance role).
 */
import { z } from 'zod';
import { optionalText, optionalTrimmedText } from './env-fields';

/** Fields merged into the environment schema of config/env.ts. */
export const EVIDENCE_S3_ENV = {
  /** Setting it selects the S3 store instead of LOCKOUT_EVIDENCE_DIR. */
  LOCKOUT_EVIDENCE_S3_BUCKET: optionalTrimmedText.pipe(
    z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/,
        'must be a bucket name: 3–255 letters, digits, dots, hyphens or underscores, e.g. lockout-evidence',
      )
      .optional(),
  ),
  LOCKOUT_EVIDENCE_S3_PREFIX: optionalTrimmedText.pipe(
    z
      .string()
      .regex(
        /^(?!\/)(?!.*\/\/)(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9!_.*'()/-]*$/,
        'must be a key prefix like evidence/ or lockout/evidence/ (no leading /, no //, no . or .. parts)',
      )
      .optional(),
  ),
  LOCKOUT_EVIDENCE_S3_ENDPOINT: optionalTrimmedText.pipe(
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://minio.example.com:9000' })
      .optional(),
  ),
  LOCKOUT_EVIDENCE_S3_REGION: optionalTrimmedText.pipe(
    z
      .string()
      .regex(/^[a-z0-9-]{1,64}$/, 'must be a region name, e.g. eu-west-1 (or "auto" for R2)')
      .optional(),
  ),
  LOCKOUT_EVIDENCE_S3_PATH_STYLE: optionalTrimmedText.pipe(
    z.enum(['true', 'false'], 'must be "true" or "false"').optional(),
  ),
  LOCKOUT_EVIDENCE_S3_RETAIN_DAYS: optionalTrimmedText.pipe(
    z
      .string()
      .regex(/^\d+$/, 'must be a whole number of days, e.g. 2555 (7 years)')
      .transform(Number)
      .pipe(z.number().int().min(1, 'must be at least 1 day').max(36_500, 'must be at most 36500 days'))
      .optional(),
  ),
  /** The SDK's own region variable: the store's default region. */
  AWS_REGION: optionalText,
};

export interface S3StoreSettings {
  bucket: string;
  /** Ends with `/` (or is empty: the bucket's root). */
  prefix: string;
  region: string;
  /** MinIO, Ceph, R2…; undefined: AWS. */
  endpoint?: string;
  /** Bucket in the path (http://host/bucket/key), as most S3-compatible servers want. */
  pathStyle: boolean;
  /** Object Lock COMPLIANCE retention of each object, in days from the archive. */
  retainDays?: number;
}

type EvidenceS3Env = { [K in keyof typeof EVIDENCE_S3_ENV]?: z.infer<(typeof EVIDENCE_S3_ENV)[K]> } & {
  LOCKOUT_EVIDENCE_DIR?: string;
};

const S3_ONLY = [
  'LOCKOUT_EVIDENCE_S3_PREFIX',
  'LOCKOUT_EVIDENCE_S3_ENDPOINT',
  'LOCKOUT_EVIDENCE_S3_REGION',
  'LOCKOUT_EVIDENCE_S3_PATH_STYLE',
  'LOCKOUT_EVIDENCE_S3_RETAIN_DAYS',
] as const;

/** The S3 store's settings, or none (the directory store); problems name the variable to fix. */
export function evidenceS3Settings(e: EvidenceS3Env): { settings?: S3StoreSettings; problems: string[] } {
  const bucket = e.LOCKOUT_EVIDENCE_S3_BUCKET;
  if (!bucket) {
    const stray = S3_ONLY.filter((name) => e[name] !== undefined);
    return stray.length
      ? {
          problems: [
            `LOCKOUT_EVIDENCE_S3_BUCKET: not set (or blank), but ${stray.join(', ')} ${stray.length > 1 ? 'are' : 'is'}: set the bucket to archive evidence in S3, or unset ${stray.length > 1 ? 'them' : 'it'}`,
          ],
        }
      : { problems: [] };
  }
  if (e.LOCKOUT_EVIDENCE_DIR)
    return {
      problems: [
        'LOCKOUT_EVIDENCE_DIR, LOCKOUT_EVIDENCE_S3_BUCKET: both set; packs go to one store: unset one of them',
      ],
    };
  const prefix = e.LOCKOUT_EVIDENCE_S3_PREFIX ?? 'evidence/';
  const endpoint = e.LOCKOUT_EVIDENCE_S3_ENDPOINT?.replace(/\/$/, '');
  return {
    problems: [],
    settings: {
      bucket,
      prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
      region: e.LOCKOUT_EVIDENCE_S3_REGION ?? e.AWS_REGION?.trim() ?? 'us-east-1',
      endpoint,
      pathStyle: e.LOCKOUT_EVIDENCE_S3_PATH_STYLE
        ? e.LOCKOUT_EVIDENCE_S3_PATH_STYLE === 'true'
        : endpoint !== undefined,
      retainDays: e.LOCKOUT_EVIDENCE_S3_RETAIN_DAYS,
    },
  };
}
