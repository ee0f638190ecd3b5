/**
 * The post-incident review, in the workflow (docs/evidence.md#post-incident-review): once the
 * incident is resolved and its closing summary sent, an incident whose runbook asks for a review
 * stays open in phase `review`. The incident commander gets the review template with its due
 * date; owners of action items, and the commander, are reminded before their due dates; the
 * review ends when someone records it or a named person waives it (domain/review.ts has the
 * actions and the arithmetic). Long reviews hand over to a fresh run like any wait.
 */
import { condition } from '@temporalio/workflow';
import { dueReminders, nextReminderAt, remindersSent, reviewOpened } from '../domain/review';
import type { IncidentState } from './incident-state';
import { notify } from './notify';

/** Incidents started before reviews existed close as they did (replay). */
export const REVIEW_PATCH = 'evidence-post-incident-review';

export async function reviewAfterResolution(
  incident: IncidentState,
  handOver: () => Promise<void>,
): Promise<void> {
  const settings = incident.runbook.review;
  if (!settings || !incident.patched(REVIEW_PATCH)) return;
  if (!incident.review) {
    incident.apply(reviewOpened, settings, incident.now());
    incident.changed();
    incident.publish();
    await notify(incident, {
      step: 'review',
      targets: settings.notify,
      template: settings.template,
      channels: ['email'],
    });
  }
  const open = () => incident.review?.state === 'open';
  while (open()) {
    const wakeAt = nextReminderAt(incident.review!, settings, Date.now());
    const items = incident.review!.items;
    const changed = () => !open() || incident.review!.items !== items || incident.historyIsLong();
    if (wakeAt === undefined) await condition(changed);
    else await condition(changed, Math.max(1, wakeAt - Date.now()));
    if (!open()) break;
    await handOver();
    const due = dueReminders(incident.review!, settings, Date.now());
    if (!due.length) continue;
    incident.apply(remindersSent, due, incident.now());
    for (const reminder of due) {
      incident.record(
        'review',
        `reminder: ${reminder.about === 'review' ? 'the review' : `action item ${reminder.about}`} is due ${reminder.due}`,
      );
      await notify(incident, {
        step: `review-reminder-${reminder.about}-${Date.parse(reminder.due)}`,
        targets: reminder.to,
        template: 'review-reminder',
        channels: ['email'],
      });
    }
  }
}
