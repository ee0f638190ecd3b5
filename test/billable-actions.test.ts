import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { countBillableActions } from '../bench/billable-actions';

const E = temporal.api.enums.v1.EventType;

describe('billable Temporal actions from a history (npm run bench)', () => {
  it('counts a recorded incident: start+alert, a second signal, activities, upserts, timers, updates', () => {
    const history = historyFromJSON(
      JSON.parse(readFileSync(join(__dirname, 'histories', 'generic-escalated-then-resolved.json'), 'utf8')),
    );
    const count = countBillableActions(history.events ?? [], { signalWithStart: true });
    assert.deepEqual(count.byKind, {
      'signal-with-start': 1,
      signal: 1,
      'activity scheduled': 12,
      'search attribute upsert': 4,
      timer: 2,
      update: 2,
    });
    assert.equal(count.total, 22);
    assert.equal(count.events, history.events?.length);
  });

  it('counts retries, local activities once per workflow task, child workflows twice, and a plain start', () => {
    const events = [
      { eventId: 1, eventType: E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED },
      { eventId: 2, eventType: E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED },
      { eventId: 3, eventType: E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED },
      {
        eventId: 4,
        eventType: E.EVENT_TYPE_ACTIVITY_TASK_STARTED,
        activityTaskStartedEventAttributes: { attempt: 3 },
      },
      ...[10, 10, 11].map((wft, i) => ({
        eventId: 5 + i,
        eventType: E.EVENT_TYPE_MARKER_RECORDED,
        markerRecordedEventAttributes: {
          markerName: 'core_local_activity',
          workflowTaskCompletedEventId: wft,
        },
      })),
      {
        eventId: 8,
        eventType: E.EVENT_TYPE_MARKER_RECORDED,
        markerRecordedEventAttributes: { markerName: 'core_patch', workflowTaskCompletedEventId: 11 },
      },
      {
        eventId: 9,
        eventType: E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
        upsertWorkflowSearchAttributesEventAttributes: {
          searchAttributes: { indexedFields: { TemporalChangeVersion: {} } },
        },
      },
      { eventId: 12, eventType: E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED },
    ].map((e) => temporal.api.history.v1.HistoryEvent.fromObject(e));
    const count = countBillableActions(events, { signalWithStart: false });
    assert.deepEqual(count.byKind, {
      'workflow started': 1,
      signal: 1,
      'activity scheduled': 1,
      'activity retry': 2,
      'child workflow': 2,
      'local activities': 2,
    });
    assert.equal(count.total, 9);
  });
});
