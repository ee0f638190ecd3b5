/**
 * Deadline watchers, one per runbook clock: warn before the deadline, record it met (with the
 * time) or missed (with how late), and follow changes such as a corrected awareness time.
 */
import { condition } from '@temporalio/workflow';
import { dueWarnings, nextWakeUp } from '../domain/clocks';
import { formatDuration } from '../domain/duration';
import { clockWarned } from '../domain/incident-progress';
import type { ClockStatus } from '../domain/incident';
import type { Clock } from '../domain/runbook';
import type { IncidentState } from './incident-state';
import { notifyInBackground } from './notify-background';
import { watchUntil } from './wait';

export function watchClocks(incident: IncidentState): Promise<void[]> {
  incident.refreshClocks();
  return Promise.all(incident.runbook.clocks.map((def) => watchClock(incident, def)));
}

async function watchClock(incident: IncidentState, def: Clock): Promise<void> {
  const clock = incident.clocks.find((c) => c.id === def.id)!;
  let reported = clock.state;
  for (;;) {
    incident.refreshClocks();
    if (clock.state !== reported) {
      await report(incident, def, reported);
      reported = clock.state;
    }
    for (const w of dueWarnings(def, clock, Date.now())) {
      incident.apply(clockWarned, def.id, incident.now());
      incident.record('clock', `${def.title}: ${w} left (deadline ${clock.deadline})`);
      if (def.notify) await tell(incident, def, 'clock-warning', `warn-${w}`, w);
    }
    if (incident.finished) return;
    const moved = wakesOnChangeOf(incident, clock);
    const wakeAt = nextWakeUp(def, clock, Date.now());
    if (wakeAt === undefined) await condition(() => incident.finished || moved());
    else {
      await watchUntil(
        incident,
        () => incident.finished || moved(),
        wakeAt,
        `${def.title}: ${clock.deadline && wakeAt === Date.parse(clock.deadline) ? 'deadline' : 'warning'}`,
      );
    }
  }
}

/**
 * When the watcher must look again. Every change refreshes all clocks (incident.changed()), but
 * only a change of this clock's state, deadline or met time moves its timer: other changes leave
 * the timer running instead of cancelling and starting it again. Incidents started before this
 * re-armed on every change, and keep doing so when they replay.
 */
function wakesOnChangeOf(incident: IncidentState, clock: ClockStatus): () => boolean {
  if (!incident.patched('clock-timer-on-deadline-change')) {
    const seen = incident.version;
    return () => incident.version !== seen;
  }
  const key = () => `${clock.state}|${clock.deadline ?? ''}|${clock.metAt ?? ''}`;
  const seen = key();
  return () => key() !== seen;
}

async function report(incident: IncidentState, def: Clock, previous: string): Promise<void> {
  const clock = incident.clocks.find((c) => c.id === def.id)!;
  switch (clock.state) {
    case 'running':
      incident.record('clock', `${def.title}: clock started, deadline ${clock.deadline}`);
      break;
    case 'met':
      incident.record(
        'clock',
        `${def.title}: met at ${clock.metAt}` +
          (clock.lateByMs ? ` (${formatDuration(clock.lateByMs)} late)` : ' (in time)'),
      );
      break;
    case 'missed':
      incident.record('clock', `${def.title}: MISSED, deadline was ${clock.deadline}`);
      if (def.notify) await tell(incident, def, 'clock-missed', 'missed');
      break;
    case 'not-applicable':
      if (previous !== 'waiting' || incident.resolved)
        incident.record('clock', `${def.title}: no longer applies`);
      break;
  }
}

function tell(
  incident: IncidentState,
  def: Clock,
  template: string,
  what: string,
  left?: string,
): Promise<void> {
  const clock = incident.clocks.find((c) => c.id === def.id)!;
  // The deadline is part of the key: a moved deadline warns again.
  return notifyInBackground(incident, {
    step: `clock-${def.id}-${what}-${Date.parse(clock.deadline ?? '0')}`,
    targets: def.notify!,
    template,
    channels: ['email'],
    about: { clock: { id: def.id, ...(left ? { left } : {}) } },
  });
}
