/**
 * The escalation chain: while nobody has acknowledged, tell the next level when its wait runs
 * out. A responder (or a more severe alert) can ask for the next level at once, acknowledged or
 * not. A reopen starts the chain over.
 */
import { condition } from '@temporalio/workflow';
import { nextEscalation } from '../domain/escalation';
import { escalated } from '../domain/incident-progress';
import type { IncidentState } from './incident-state';
import { notifyInBackground } from './notify-background';
import { watchUntil } from './wait';

export async function escalate(incident: IncidentState): Promise<void> {
  const levels = incident.runbook.escalation.levels;
  const { engine } = incident;
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

    let due = false;
    if (next && !seen.acknowledged) {
      const level = levels[next.level - 1]!;
      due = !(await watchUntil(
        incident,
        wake,
        Date.parse(engine.escalationLastAt) + next.waitMs,
        `escalate to level ${next.level} unless acknowledged within ${level.after}`,
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
    const why = requested ? 'escalation requested' : `no acknowledgement after ${level.after}`;
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
