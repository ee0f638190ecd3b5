/** The runbook a new incident runs: the one a classification rule names, else by pattern. */
import type { Pattern } from '../domain/alert';
import type { Runbook } from '../domain/runbook';
import { selectRunbook } from '../domain/select-runbook';

export interface RunbookChoice {
  runbook: Runbook;
  /** Set when a named runbook does not exist and the pattern's runbook ran instead. */
  note?: string;
}

/**
 * An unknown runbook id is a configuration mistake, not the sender's: the alert is still
 * recorded, with the pattern's runbook, and the note says what to fix.
 */
export function chooseRunbook(
  runbooks: readonly Runbook[],
  pattern: Pattern,
  runbookId?: string,
): RunbookChoice {
  if (runbookId !== undefined) {
    const named = runbooks.find((r) => r.id === runbookId);
    if (named) return { runbook: named };
    const fallback = selectRunbook(runbooks, pattern);
    return {
      runbook: fallback,
      note: `runbook "${runbookId}" (named by a classification rule) does not exist; ran "${fallback.id}" for pattern ${pattern}`,
    };
  }
  return { runbook: selectRunbook(runbooks, pattern) };
}
