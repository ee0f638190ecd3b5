/**
 * The crisis budget of one incident as the front ends show it: the ledger of domain/crisis-budget.ts
 * from the incident's status, the directory's hourly rates per role, and config/crisis-budget.yaml.
 */
import { loadDirectory, type Directory } from '../comms/directory';
import { loadConfig } from '../config/env';
import { rateFromDirectory } from '../comms/rates';
import { CrisisBudgetConfig, crisisLedger, type CrisisLedger } from '../domain/crisis-budget';

export { rateFromDirectory } from '../comms/rates';
import type { IncidentStatus } from '../domain/incident';
import { oneLine } from '../lib/printable';
import { loadYamlFile } from '../lib/yaml-file';

export function loadCrisisBudget(file: string): CrisisBudgetConfig {
  return loadYamlFile(file, CrisisBudgetConfig);
}

export function incidentLedger(
  status: IncidentStatus,
  dir: Directory,
  config: CrisisBudgetConfig,
  now = new Date().toISOString(),
): CrisisLedger {
  return crisisLedger(status, config, rateFromDirectory(dir), now);
}

/**
 * The ledger from the configured directory and crisis budget file, or why it cannot be had (a
 * broken file must not hide a status or stop an evidence pack).
 */
export function configuredLedger(
  status: IncidentStatus,
  at = new Date().toISOString(),
): { budget: CrisisLedger } | { budgetProblem: string } {
  try {
    const config = loadConfig();
    return {
      budget: incidentLedger(
        status,
        loadDirectory(config.directoryFile),
        loadCrisisBudget(config.readiness.crisisBudgetFile),
        at,
      ),
    };
  } catch (err) {
    return { budgetProblem: (err as Error).message.split('\n')[0]! };
  }
}

/** Lines for `lockout status`; purposes and names come from outside, so each stays on its line. */
export function formatLedger(l: CrisisLedger): string {
  const money = (n: number) => `${n.toFixed(2)} ${l.currency}`;
  const head =
    `Crisis budget: ${money(l.total)} of ${money(l.envelope)} (${Math.round(l.used * 100)} %; ` +
    `${l.multiplier} × normal ${money(l.normalCost)})` +
    (l.state === 'over'
      ? ' OVER THE ENVELOPE'
      : l.state === 'warning'
        ? ' warning: nearing the envelope'
        : '');
  const lines = l.lines.map(
    (x) =>
      `  ${x.kind.padEnd(16)} ${money(x.amount).padStart(14)}  ${oneLine(x.what)} (${oneLine(x.detail)})`,
  );
  const pending = l.pending.map(
    (p) =>
      `  pending          ${money(p.amount).padStart(14)}  ${p.id}: ${oneLine(p.purpose)} (requested by ${oneLine(p.requestedBy)})`,
  );
  const over = l.pendingGoesOver
    ? ['  approving the pending spend would go over: finance or an executive decides']
    : [];
  return [head, ...lines, ...pending, ...over].join('\n');
}
