/**
 * The expiry watch's judgement, as pure code shared by the watch workflow and
 * `lockout watch --once`: what a source observed, and whether that warrants a warning
 * incident, an escalation, or a lockout at once.
 */
import type { GenericAlert, Pattern, Region, Severity } from './alert';
import { formatDuration } from './duration';

/** What an expiry source saw about one thing that expires (a certificate chain, a token). */
export interface ExpiryObservation {
  /** The source that looked: `tls`, `salesforce-token`, … */
  source: string;
  /** Stable name of the thing, e.g. `api.example.com:443`: one incident per source and subject. */
  subject: string;
  /** For people: `TLS certificate of api.example.com:443`. */
  label: string;
  pattern: Extract<
    Pattern,
    'certificate-chain' | 'token-expiry' | 'acl-misconfiguration' | 'audit-log-failure'
  >;
  region: Region;
  /** The earliest expiry that matters (leaf or intermediate; the token). ISO time. */
  expiresAt?: string;
  /** It does not validate now (broken chain, wrong host name, rejected token): a lockout. */
  invalid?: { code: string; reason: string };
  /** It could not be looked at (unreachable, timed out): reported, no incident. */
  unchecked?: string;
  /** A check with no expiry date (permissions, the audit trail) that holds now: what it found. */
  verified?: string;
  /** One line of detail for responders (subject, issuer, which certificate expires first). */
  detail?: string;
}

export interface WatchThresholds {
  warnBeforeMs: number;
  escalateBeforeMs: number;
  warnSeverity: Severity;
  escalateSeverity: Severity;
}

export type WatchLevel = 'ok' | 'warning' | 'critical' | 'invalid' | 'unchecked';

export interface WatchDecision {
  observation: ExpiryObservation;
  level: WatchLevel;
  /** Time left at the moment of the decision; negative once expired. */
  msLeft?: number;
  /** The alert to send (same fingerprint at every level, so an escalation joins the warning). */
  alert?: GenericAlert & { fingerprint: string; severity: Severity };
}

const SEVERITY_RANK: Record<Severity, number> = { sev3: 1, sev2: 2, sev1: 3 };

/** sev1 is the most severe. */
export function isAtLeastAsSevere(a: Severity, b: Severity): boolean {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b];
}

/** `watch-tls-api.example.com:443`: letters, digits and `._:-` only, at most 128. */
export function watchFingerprint(source: string, subject: string): string {
  return `watch-${source}-${subject}`
    .replace(/[^A-Za-z0-9._:-]+/g, '-')
    .replace(/-+$/, '')
    .slice(0, 128);
}

function hours(ms: number): string {
  return `${Math.round(ms / 3_600_000)} h`;
}

export function decideWatchAction(o: ExpiryObservation, nowMs: number, t: WatchThresholds): WatchDecision {
  if (o.invalid) {
    return {
      observation: o,
      level: 'invalid',
      msLeft: o.expiresAt ? Date.parse(o.expiresAt) - nowMs : undefined,
      alert: alertFor(o, t.escalateSeverity, `${o.label} no longer validates: ${o.invalid.code}`, [
        o.invalid.reason,
      ]),
    };
  }
  if (o.unchecked) return { observation: o, level: 'unchecked' };
  if (!o.expiresAt) return { observation: o, level: o.verified !== undefined ? 'ok' : 'unchecked' };
  const msLeft = Date.parse(o.expiresAt) - nowMs;
  const when = `Expires at ${o.expiresAt} (${msLeft > 0 ? `in ${formatDuration(msLeft)}` : `${formatDuration(-msLeft)} ago`}, as of ${new Date(nowMs).toISOString()}).`;
  if (msLeft <= t.escalateBeforeMs) {
    const title =
      msLeft <= 0 ? `${o.label} has expired` : `${o.label} expires within ${hours(t.escalateBeforeMs)}`;
    return {
      observation: o,
      level: 'critical',
      msLeft,
      alert: alertFor(o, t.escalateSeverity, title, [when]),
    };
  }
  if (msLeft <= t.warnBeforeMs) {
    const title = `${o.label} expires within ${hours(t.warnBeforeMs)}`;
    return { observation: o, level: 'warning', msLeft, alert: alertFor(o, t.warnSeverity, title, [when]) };
  }
  return { observation: o, level: 'ok', msLeft };
}

function alertFor(
  o: ExpiryObservation,
  severity: Severity,
  title: string,
  lines: string[],
): NonNullable<WatchDecision['alert']> {
  return {
    title,
    fingerprint: watchFingerprint(o.source, o.subject),
    source: 'expiry-watch',
    pattern: o.pattern,
    severity,
    region: o.region,
    description: [...lines, o.detail].filter(Boolean).join('\n'),
    labels: {
      watch: o.source,
      subject: o.subject,
      ...(o.expiresAt ? { expiresAt: o.expiresAt } : {}),
      ...(o.invalid ? { validationError: o.invalid.code } : {}),
    },
  };
}
