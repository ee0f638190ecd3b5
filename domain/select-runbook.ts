/** Which runbook an incident runs: the first whose match rules fit, else the fallback. */
import type { Pattern } from './alert';
import type { Runbook } from './runbook';

export function selectRunbook(runbooks: readonly Runbook[], pattern: Pattern): Runbook {
  const matching = runbooks.find((r) => r.match.patterns.includes(pattern));
  if (matching) return matching;
  const fallback = runbooks.find((r) => r.match.fallback);
  if (fallback) return fallback;
  throw new Error(`no runbook matches pattern "${pattern}" and none is marked match.fallback: true`);
}
