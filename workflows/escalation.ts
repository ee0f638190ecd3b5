/**
 * The escalation chain: while nobody has acknowledged, tell the next level when its wait runs
 * out. A responder (or a more severe alert) can ask for the next level at once, acknowledged or
 * not. A reopen starts the chain over.
 */
import { condition } from '@temporalio/workflow';
import { durationMs, parseDuration } from '../domain/duration';
import { nextEscalation } from '../domain/escalation';
import { escalated } from '../domain/incident-progress';
import type { IncidentState } from './incident-state';
import { notifyInBackground } from './notify-background';
import { watchUntil } from './wait';

export async function escalate(incident: IncidentState): Promise<void> {
  const levels = incident.runbook.escalation.levels;
  const { engine } = incident;
  const period = periodWindow(incident.input.acknowledgeWithin);
  for (;;) {
    if (incident.finished || incident.resolved) return;
    const next = nextEscalation(levels, { level: incident.escalationLevel, round: engine.escalationRound });
    const seen = { epoch: engine.escalationEpoch, acknowledged: incident.acknowledged };
    const wake = () =>
      incident.finished ||
      incident.resolved ||
      engine.escalationEpoch !== seen.epoch ||
      incident.acknowledged !== seen.acknowledged ||
      (next !== undefined && engine.escalationRequests > 0);

    // A high-risk period may expect acknowledgement sooner than the level's own wait.
    const shortened = next && period && period.ms < next.waitMs ? period : undefined;
    const after = next ? (shortened?.after ?? levels[next.level - 1]!.after) : '';

    let due = false;
    if (next && !seen.acknowledged) {
      due = !(await watchUntil(
        incident,
        wake,
        Date.parse(engine.escalationLastAt) + (shortened?.ms ?? next.waitMs),
        `escalate to level ${next.level} unless acknowledged within ${after}${shortened ? ' (high-risk period)' : ''}`,
      ));
    } else {
      await condition(wake);
    }
    if (incident.finished || incident.resolved || !next) continue;
    if (engine.escalationEpoch !== seen.epoch || incident.acknowledged !== seen.acknowledged) continue;
    const requested = !due && engine.escalationRequests > 0;
    if (!due && !requested) continue;

    const level = levels[next.level - 1]!;
    incident.apply(escalated, { level: next.level, round: next.round, at: incident.now(), requested });
    incident.publish();
    const why = requested
      ? 'escalation requested'
      : `no acknowledgement after ${after}${shortened ? ' (high-risk period)' : ''}`;
    const round = level.repeat > 1 ? ` (round ${next.round} of ${level.repeat})` : '';
    incident.record(
      'escalation',
      `${why}: escalating to level ${next.level}${round} (${level.notify.join(', ')})`,
    );
    await notifyInBackground(incident, {
      // Unique per reopen and round, so each is a distinct message for idempotency keys.
      step: `${engine.escalationEpoch ? `reopen-${engine.escalationEpoch}-` : ''}escalation-${next.level}${next.round > 1 ? `-${next.round}` : ''}`,
      targets: level.notify,
      template: level.template,
      channels: level.channels,
    });
  }
}

/** The acknowledgement window of the high-risk periods the incident opened in; a bad one is ignored. */
function periodWindow(within: unknown): { ms: number; after: string } | undefined {
  if (typeof within !== 'string' || 'error' in parseDuration(within)) return undefined;
  return { ms: durationMs(within), after: within };
}
