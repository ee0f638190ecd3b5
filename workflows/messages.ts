/**
 * How the outside world talks to a running incident. Signal names are what responders type in
 * the Temporal Web UI's "Send signal"; updates with the same names answer "accepted" or
 * "refused: <reason>" to the CLI and to links. Payload shapes: domain/responder-input.ts.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Alert } from '../domain/alert';
import type { IncidentStatus } from '../domain/incident';
import type {
  AcknowledgeInput,
  AwarenessInput,
  ClockMetInput,
  DecisionInput,
  EscalateInput,
  FactInput,
  PhaseInput,
  ReceiptInput,
  ReclassifyInput,
  ReopenInput,
  ResolveInput,
} from '../domain/responder-input';
import type { LinkRefusalInput } from '../domain/responder-input';
import type {
  AddReviewItemInput,
  AssignReviewItemInput,
  CloseReviewItemInput,
  RecordReviewInput,
  WaiveReviewInput,
} from '../domain/review';
import type { SpendDecisionInput, SpendRequestInput } from '../domain/spend-input';

/** Every alert for this fingerprint, the first one included (delivered by signalWithStart). */
export const alertSignal = defineSignal<[Alert]>('alert');
/**
 * Alerts that arrived together for a running incident, in order: a gateway sends those that queued
 * while its previous signal to the run was in flight as one (client/alert-batches.ts). Each is
 * counted as an `alert` signal would be.
 */
export const alertsSignal = defineSignal<[Alert[]]>('alerts');

export const acknowledgeSignal = defineSignal<[AcknowledgeInput]>('acknowledge');
export const acknowledgeUpdate = defineUpdate<string, [AcknowledgeInput]>('acknowledge');

/** Takes the acknowledgement back: escalation starts again from the first level. */
export const reopenSignal = defineSignal<[ReopenInput]>('reopen');
export const reopenUpdate = defineUpdate<string, [ReopenInput]>('reopen');

/** Escalates to the next level now, without waiting for the timer. */
export const escalateSignal = defineSignal<[EscalateInput]>('escalate');
export const escalateUpdate = defineUpdate<string, [EscalateInput]>('escalate');

export const approveSignal = defineSignal<[DecisionInput]>('approve');
export const approveUpdate = defineUpdate<string, [DecisionInput]>('approve');
export const rejectSignal = defineSignal<[DecisionInput]>('reject');
export const rejectUpdate = defineUpdate<string, [DecisionInput]>('reject');

/** Sets or corrects when the organisation became aware of a personal-data breach (GDPR clock). */
export const setAwarenessSignal = defineSignal<[AwarenessInput]>('setAwareness');
export const setAwarenessUpdate = defineUpdate<string, [AwarenessInput]>('setAwareness');

/** Sets a fact the runbook declares (or euPersonalData), e.g. once EU data turns out affected. */
export const setFactSignal = defineSignal<[FactInput]>('setFact');
export const setFactUpdate = defineUpdate<string, [FactInput]>('setFact');

/** Records a manually met clock, e.g. "supervisory authority notified at 14:02". */
export const clockMetSignal = defineSignal<[ClockMetInput]>('clockMet');
export const clockMetUpdate = defineUpdate<string, [ClockMetInput]>('clockMet');

/** A recipient confirmed a message (link, reply); with `acknowledge` it also acknowledges as them. */
export const confirmReceiptSignal = defineSignal<[ReceiptInput]>('confirmReceipt');
export const confirmReceiptUpdate = defineUpdate<string, [ReceiptInput]>('confirmReceipt');

/** Responders declare the incident contained or recovered (runbook checkpoints do it too). */
export const setPhaseSignal = defineSignal<[PhaseInput]>('setPhase');
export const setPhaseUpdate = defineUpdate<string, [PhaseInput]>('setPhase');

export const resolveSignal = defineSignal<[ResolveInput]>('resolve');
export const resolveUpdate = defineUpdate<string, [ResolveInput]>('resolve');

/** Moves the incident to another pattern's runbook, keeping everything it has lived through. */
export const reclassifySignal = defineSignal<[ReclassifyInput]>('reclassify');
export const reclassifyUpdate = defineUpdate<string, [ReclassifyInput]>('reclassify');
/** The post-incident review: action items, and recording or waiving the review (domain/review.ts). */
export const addReviewItemSignal = defineSignal<[AddReviewItemInput]>('addReviewItem');
export const addReviewItemUpdate = defineUpdate<string, [AddReviewItemInput]>('addReviewItem');
export const assignReviewItemSignal = defineSignal<[AssignReviewItemInput]>('assignReviewItem');
export const assignReviewItemUpdate = defineUpdate<string, [AssignReviewItemInput]>('assignReviewItem');
export const closeReviewItemSignal = defineSignal<[CloseReviewItemInput]>('closeReviewItem');
export const closeReviewItemUpdate = defineUpdate<string, [CloseReviewItemInput]>('closeReviewItem');
export const recordReviewSignal = defineSignal<[RecordReviewInput]>('recordReview');
export const recordReviewUpdate = defineUpdate<string, [RecordReviewInput]>('recordReview');
export const waiveReviewSignal = defineSignal<[WaiveReviewInput]>('waiveReview');
export const waiveReviewUpdate = defineUpdate<string, [WaiveReviewInput]>('waiveReview');

export const statusQuery = defineQuery<IncidentStatus>('status');

/** The gateway refused a signed link (forged, expired, mismatched): recorded in the timeline. */
export const linkRefusedSignal = defineSignal<[LinkRefusalInput]>('linkRefused');

/** Every responder action's signal and update, by the action's name (domain/incident-actions.ts). */
/** Emergency spend (contractors, extra capacity) for the crisis budget, decided by someone else. */
export const requestSpendSignal = defineSignal<[SpendRequestInput]>('requestSpend');
export const requestSpendUpdate = defineUpdate<string, [SpendRequestInput]>('requestSpend');
export const decideSpendSignal = defineSignal<[SpendDecisionInput]>('decideSpend');
export const decideSpendUpdate = defineUpdate<string, [SpendDecisionInput]>('decideSpend');

export const responderActions = {
  acknowledge: { signal: acknowledgeSignal, update: acknowledgeUpdate },
  reopen: { signal: reopenSignal, update: reopenUpdate },
  escalate: { signal: escalateSignal, update: escalateUpdate },
  approve: { signal: approveSignal, update: approveUpdate },
  reject: { signal: rejectSignal, update: rejectUpdate },
  setAwareness: { signal: setAwarenessSignal, update: setAwarenessUpdate },
  setFact: { signal: setFactSignal, update: setFactUpdate },
  clockMet: { signal: clockMetSignal, update: clockMetUpdate },
  confirmReceipt: { signal: confirmReceiptSignal, update: confirmReceiptUpdate },
  setPhase: { signal: setPhaseSignal, update: setPhaseUpdate },
  resolve: { signal: resolveSignal, update: resolveUpdate },
  reclassify: { signal: reclassifySignal, update: reclassifyUpdate },
  addReviewItem: { signal: addReviewItemSignal, update: addReviewItemUpdate },
  assignReviewItem: { signal: assignReviewItemSignal, update: assignReviewItemUpdate },
  closeReviewItem: { signal: closeReviewItemSignal, update: closeReviewItemUpdate },
  recordReview: { signal: recordReviewSignal, update: recordReviewUpdate },
  waiveReview: { signal: waiveReviewSignal, update: waiveReviewUpdate },
  requestSpend: { signal: requestSpendSignal, update: requestSpendUpdate },
  decideSpend: { signal: decideSpendSignal, update: decideSpendUpdate },
} as const;
