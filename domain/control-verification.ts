/**
 * Control verification: for each ISO 27001 control a continuous check verifies, its last
 * verification, the result, since when that result holds, and the open incidents against it.
 * Pure: the observations (each run of a check) and the open incidents come from the caller.
 */
import type { Pattern } from './alert';
import { CONTINUOUS_CHECKS, CONTROLS_BY_PATTERN, type ContinuousCheck } from './iso27001';

/** One run of one check. */
export interface CheckObservation {
  check: ContinuousCheck;
  at: string;
  ok: boolean;
  detail: string;
}

export interface ControlVerification {
  control: string;
  title: string;
  checks: ContinuousCheck[];
  /** `unverified`: no check of it has run (not configured, not built, or not yet). */
  result: 'verified' | 'failing' | 'unverified';
  lastVerifiedAt?: string;
  /** The oldest run, among those seen, from which the result has held without a break. */
  since?: string;
  lastSuccessAt?: string;
  detail: string;
  openIncidents: string[];
}

export function controlVerification(
  observations: readonly CheckObservation[],
  openIncidents: readonly { id: string; pattern: string | null }[],
): ControlVerification[] {
  const byControl = new Map<string, { title: string; checks: ContinuousCheck[] }>();
  for (const [check, { controls }] of Object.entries(CONTINUOUS_CHECKS) as [
    ContinuousCheck,
    (typeof CONTINUOUS_CHECKS)[ContinuousCheck],
  ][]) {
    for (const c of controls) {
      const entry = byControl.get(c.id) ?? { title: c.title, checks: [] };
      entry.checks.push(check);
      byControl.set(c.id, entry);
    }
  }
  const sorted = [...observations].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return [...byControl].map(([control, { title, checks }]) => {
    const runs = sorted.filter((o) => checks.includes(o.check));
    const against = openIncidents
      .filter((i) => CONTROLS_BY_PATTERN[i.pattern as Pattern]?.some((c) => c.id === control))
      .map((i) => i.id);
    const last = runs.at(-1);
    if (!last)
      return {
        control,
        title,
        checks,
        result: 'unverified' as const,
        detail: `no run of ${checks.join(', ')} yet`,
        openIncidents: against,
      };
    let since = last.at;
    for (let i = runs.length - 1; i >= 0 && runs[i]!.ok === last.ok; i--) since = runs[i]!.at;
    return {
      control,
      title,
      checks,
      result: last.ok ? ('verified' as const) : ('failing' as const),
      lastVerifiedAt: last.at,
      since,
      lastSuccessAt: runs.filter((r) => r.ok).at(-1)?.at,
      detail: last.detail,
      openIncidents: against,
    };
  });
}
