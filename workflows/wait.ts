import { condition } from '@temporalio/workflow';
import { durationMs } from '../domain/duration';
import type { IncidentState } from './incident-state';

/** Continues as new if the history is long (and then never returns); undefined inside parallel branches. */
export type HandOver = (() => Promise<void>) | undefined;

/**
 * Waits until `holds()` or until `limit` after `since`, and says whether it holds. At the top
 * level of a runbook a long history is handed to a fresh run meanwhile; the step resumes there.
 */
export async function waitWithHandOver(
  incident: IncidentState,
  holds: () => boolean,
  limit: string | undefined,
  since: number,
  handOver: HandOver,
  summary: string,
): Promise<boolean> {
  const long = () => handOver !== undefined && incident.historyIsLong();
  for (;;) {
    const wake = () => holds() || long();
    if (limit === undefined) await condition(wake);
    else {
      const left = since + durationMs(limit) - Date.now();
      if (left <= 0 || !(await condition(wake, left, { summary }))) return holds();
    }
    if (holds()) return true;
    await handOver!();
  }
}
