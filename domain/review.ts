/**
 * The post-incident review (ISO/IEC 27001 A.5.27, learning from incidents): once resolved, an
 * incident whose runbook asks for a review stays open in phase `review`. The incident commander
 * gets the review template with its due date; responders add, assign and close action items; the
 * review closes when someone records it, or when a named person waives it. Pure: the schemas of
 * the five review actions, their reducers, and the reminder arithmetic. The workflow's part is in
 * workflows/review.ts; docs/evidence.md#post-incident-review describes it.
 *
 * Workflows share this module (temporal/bundle.ts): its schemas stay private, reached through
 * their `check*` functions, because the worker freezes what a shared module exports.
 */
import { z } from 'zod';
import { durationMs } from './duration';
import type { IncidentRecord, ReviewItem, ReviewState } from './incident';
import type { ReviewSettings } from './runbook';
import { entryRecorded, phaseEntered } from './incident-progress';
import type { Reducer, Reduced } from './incident-reducers';
import { actionId, channelFields, checker, isoTime, text } from './responder-input';

const DAY_MS = 86_400_000;

/** `days` business days after `from` (weekends skipped, UTC), at the same time of day. */
export function businessDaysAfter(from: string, days: number): string {
  let at = Date.parse(from);
  let left = days;
  while (left > 0) {
    at += DAY_MS;
    const weekday = new Date(at).getUTCDay();
    if (weekday !== 0 && weekday !== 6) left--;
  }
  return new Date(at).toISOString();
}

// ---- the five actions: schemas (types derived), checks ----

const common = () => ({ by: text(100), ...actionId(), via: channelFields().via });
const itemId = () => text(10).regex(/^A\d{1,4}$/, 'must be an action item id like A1');

const AddReviewItemInput = z.object({
  title: text(500),
  owner: text(100).optional(),
  due: isoTime().optional(),
  ...common(),
});
const AssignReviewItemInput = z.object({
  item: itemId(),
  owner: text(100),
  due: isoTime().optional(),
  ...common(),
});
const CloseReviewItemInput = z.object({ item: itemId(), note: text(2000).optional(), ...common() });
const RecordReviewInput = z.object({ summary: text(10_000), ...common() });
const WaiveReviewInput = z.object({ reason: text(2000), ...common() });
export type AddReviewItemInput = z.output<typeof AddReviewItemInput>;
export type AssignReviewItemInput = z.output<typeof AssignReviewItemInput>;
export type CloseReviewItemInput = z.output<typeof CloseReviewItemInput>;
export type RecordReviewInput = z.output<typeof RecordReviewInput>;
export type WaiveReviewInput = z.output<typeof WaiveReviewInput>;

export const checkAddReviewItem = checker(
  AddReviewItemInput,
  '{"title": "Alert on chain expiry", "by": "dev"}',
);
export const checkAssignReviewItem = checker(
  AssignReviewItemInput,
  '{"item": "A1", "owner": "ben", "by": "dev"}',
);
export const checkCloseReviewItem = checker(CloseReviewItemInput, '{"item": "A1", "by": "ben"}');
export const checkRecordReview = checker(RecordReviewInput, '{"summary": "…", "by": "dev"}');
export const checkWaiveReview = checker(WaiveReviewInput, '{"reason": "…", "by": "greta"}');

// ---- reducers ----

const refused = (reason: string): Reduced => ({ ok: false, refused: reason });

/** Every review action needs an open review. */
function openReview(record: IncidentRecord): ReviewState | string {
  const review = record.review;
  if (!review)
    return 'no post-incident review is open (it opens when an incident whose runbook asks for one is resolved)';
  if (review.state !== 'open') return `the review is already ${review.state}`;
  return review;
}

function withReview(
  record: IncidentRecord,
  review: ReviewState,
  at: string,
  summary: string,
  actor: string,
  message: string,
): Reduced {
  const next = entryRecorded({ ...record, review }, { at, kind: 'review', summary, actor });
  return { ok: true, record: next, message, effects: ['publish'] };
}

const outside = (
  review: ReviewState,
  field: string,
  due: string | undefined,
  now: string,
): string | undefined => {
  if (!due) return undefined;
  if (Date.parse(due) < Date.parse(now)) return `${field}: ${due} is in the past`;
  if (Date.parse(due) > Date.parse(review.openedAt) + 366 * DAY_MS)
    return `${field}: ${due} is more than a year after the review opened`;
  return undefined;
};

const MAX_ITEMS = 200;

export const addReviewItem: Reducer<AddReviewItemInput> = (record, { title, owner, due, by }, ctx) => {
  const review = openReview(record);
  if (typeof review === 'string') return refused(review);
  if (review.items.length >= MAX_ITEMS) return refused(`the review has ${MAX_ITEMS} action items already`);
  const late = outside(review, 'due', due, ctx.now);
  if (late) return refused(late);
  const item: ReviewItem = {
    id: `A${review.items.length + 1}`,
    title,
    state: 'open',
    addedBy: by,
    addedAt: ctx.now,
    ...(owner ? { owner } : {}),
    ...(due ? { due } : {}),
  };
  return withReview(
    record,
    { ...review, items: [...review.items, item] },
    ctx.now,
    `review action ${item.id} added by ${by}: ${title}${owner ? ` (owner ${owner}${due ? `, due ${due}` : ''})` : ''}`,
    by,
    `action item ${item.id} added`,
  );
};

function findItem(review: ReviewState, id: string): ReviewItem | string {
  return (
    review.items.find((i) => i.id === id) ??
    `unknown action item "${id}" (items: ${review.items.map((i) => i.id).join(', ') || 'none'})`
  );
}

export const assignReviewItem: Reducer<AssignReviewItemInput> = (
  record,
  { item: id, owner, due, by },
  ctx,
) => {
  const review = openReview(record);
  if (typeof review === 'string') return refused(review);
  const item = findItem(review, id);
  if (typeof item === 'string') return refused(item);
  if (item.state === 'closed') return refused(`action item ${id} is closed`);
  const late = outside(review, 'due', due, ctx.now);
  if (late) return refused(late);
  // A new owner or due date is a new promise: they are reminded of it afresh.
  const { remindedAt: _reminded, ...rest } = item;
  const updated: ReviewItem = { ...rest, owner, ...(due ? { due } : {}) };
  return withReview(
    record,
    { ...review, items: review.items.map((i) => (i === item ? updated : i)) },
    ctx.now,
    `review action ${id} assigned to ${owner} by ${by}${updated.due ? `, due ${updated.due}` : ''}`,
    by,
    `action item ${id} assigned to ${owner}`,
  );
};

export const closeReviewItem: Reducer<CloseReviewItemInput> = (record, { item: id, note, by }, ctx) => {
  const review = openReview(record);
  if (typeof review === 'string') return refused(review);
  const item = findItem(review, id);
  if (typeof item === 'string') return refused(item);
  if (item.state === 'closed') return refused(`action item ${id} was already closed by ${item.closedBy}`);
  const closed: ReviewItem = {
    ...item,
    state: 'closed',
    closedBy: by,
    closedAt: ctx.now,
    ...(note ? { note } : {}),
  };
  return withReview(
    record,
    { ...review, items: review.items.map((i) => (i === item ? closed : i)) },
    ctx.now,
    `review action ${id} closed by ${by}${note ? `: ${note}` : ''}`,
    by,
    `action item ${id} closed`,
  );
};

/** Recording or waiving the review ends it; the incident may then close (and archive its pack). */
function ended(
  record: IncidentRecord,
  review: ReviewState,
  at: string,
  summary: string,
  by: string,
  message: string,
): Reduced {
  const reduced = withReview(record, review, at, summary, by, message);
  if (!reduced.ok) return reduced;
  return {
    ...reduced,
    record: phaseEntered(reduced.record, 'resolved', at, by),
    effects: ['changed', 'publish'],
  };
}

export const recordReview: Reducer<RecordReviewInput> = (record, { summary, by }, ctx) => {
  const review = openReview(record);
  if (typeof review === 'string') return refused(review);
  const open = review.items.filter((i) => i.state === 'open').length;
  return ended(
    record,
    { ...review, state: 'recorded', recorded: { by, at: ctx.now, summary } },
    ctx.now,
    `post-incident review recorded by ${by}${open ? ` (${open} action item(s) still open, carried in the record)` : ''}: ${summary}`,
    by,
    'review recorded',
  );
};

export const waiveReview: Reducer<WaiveReviewInput> = (record, { reason, by }, ctx) => {
  const review = openReview(record);
  if (typeof review === 'string') return refused(review);
  return ended(
    record,
    { ...review, state: 'waived', waived: { by, at: ctx.now, reason } },
    ctx.now,
    `post-incident review waived by ${by}: ${reason}`,
    by,
    'review waived',
  );
};

// ---- what the workflow does by itself ----

/** Opens the review: its due date, the phase `review`, a timeline entry. */
export function reviewOpened(record: IncidentRecord, settings: ReviewSettings, at: string): IncidentRecord {
  const review: ReviewState = {
    state: 'open',
    openedAt: at,
    due: businessDaysAfter(at, settings.dueBusinessDays),
    items: [],
  };
  const next = entryRecorded(
    { ...record, review },
    {
      at,
      kind: 'review',
      summary: `post-incident review opened, due ${review.due} (${settings.dueBusinessDays} business days)`,
    },
  );
  return phaseEntered(next, 'review', at);
}

export interface Reminder {
  /** `review` (the commander) or an action item id (its owner). */
  about: string;
  to: string[];
  due: string;
}

/** Reminders due now: the review and each open, owned item with a due date, once each. */
export function dueReminders(review: ReviewState, settings: ReviewSettings, nowMs: number): Reminder[] {
  if (review.state !== 'open') return [];
  const before = durationMs(settings.remindBefore);
  const reminders: Reminder[] = [];
  if (!review.remindedAt && nowMs >= Date.parse(review.due) - before)
    reminders.push({ about: 'review', to: settings.notify, due: review.due });
  for (const item of review.items)
    if (
      item.state === 'open' &&
      item.owner &&
      item.due &&
      !item.remindedAt &&
      nowMs >= Date.parse(item.due) - before
    )
      reminders.push({ about: item.id, to: [`person:${item.owner}`], due: item.due });
  return reminders;
}

/** The next moment a reminder falls due (after now), if any. */
export function nextReminderAt(
  review: ReviewState,
  settings: ReviewSettings,
  nowMs: number,
): number | undefined {
  if (review.state !== 'open') return undefined;
  const before = durationMs(settings.remindBefore);
  const times = [
    ...(review.remindedAt ? [] : [Date.parse(review.due) - before]),
    ...review.items
      .filter((i) => i.state === 'open' && i.owner && i.due && !i.remindedAt)
      .map((i) => Date.parse(i.due!) - before),
  ].filter((t) => t > nowMs);
  return times.length ? Math.min(...times) : undefined;
}

/** Marks reminders as sent. */
export function remindersSent(record: IncidentRecord, sent: Reminder[], at: string): IncidentRecord {
  const review = record.review;
  if (!review) return record;
  const about = new Set(sent.map((r) => r.about));
  return {
    ...record,
    review: {
      ...review,
      ...(about.has('review') ? { remindedAt: at } : {}),
      items: review.items.map((i) => (about.has(i.id) ? { ...i, remindedAt: at } : i)),
    },
  };
}
