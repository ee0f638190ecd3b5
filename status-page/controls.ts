/**
 * The ISO 27001 controls on the status page's health panel: one row per control a continuous
 * check verifies, with its last verification, the result, since when, and the open incidents
 * against it (docs/readiness.md#control-verification).
 */
import type { ControlVerification } from '../domain/control-verification';
import type { HealthCheck, HealthResult } from './health';

const minute = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

export function controlRow(c: ControlVerification): HealthResult {
  const incidents = c.openIncidents.length
    ? `; open incidents against it: ${c.openIncidents.join(', ')}`
    : '; no open incident against it';
  if (c.result === 'unverified')
    return { ok: true, note: 'not-configured', detail: `unverified: ${c.detail}${incidents}` };
  return {
    ok: c.result === 'verified',
    note: c.result === 'verified' && c.openIncidents.length ? 'warning' : undefined,
    detail:
      `${c.result} at ${minute(c.lastVerifiedAt!)} (${c.detail}), ${c.result} since ${minute(c.since!)}` +
      (c.result === 'failing'
        ? `, last verified ${c.lastSuccessAt ? minute(c.lastSuccessAt) : 'never'}`
        : '') +
      incidents,
  };
}

/** One health row per control, all from one shared read. */
export function controlHealthChecks(
  controls: () => Promise<ControlVerification[]>,
  ids: readonly string[],
  titles: Readonly<Record<string, string>>,
): HealthCheck[] {
  return ids.map((id) => ({
    name: `ISO 27001 ${id} ${titles[id] ?? ''}`.trim(),
    async check() {
      const c = (await controls()).find((x) => x.control === id);
      if (!c) return { ok: true, note: 'not-configured' as const, detail: 'no continuous check verifies it' };
      return controlRow(c);
    },
  }));
}
