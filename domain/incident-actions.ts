/**
 * The one action table: every responder action by name, with the check its payload must pass and
 * the reducer that applies it. The workflow registers a signal and an update of each name from it
 * (workflows/responders.ts); the client sends them by the same names (client/actions.ts).
 */
import * as reduce from './incident-reducers';
import { reclassify } from './reclassification';
import * as input from './responder-input';
import * as review from './review';
import * as spend from './spend-reducers';
import * as spendInput from './spend-input';

export const RESPONDER_ACTIONS = {
  acknowledge: { check: input.checkAcknowledge, reduce: reduce.acknowledge },
  reopen: { check: input.checkReopen, reduce: reduce.reopen },
  escalate: { check: input.checkEscalate, reduce: reduce.escalate },
  approve: { check: input.checkApprove, reduce: reduce.approve },
  reject: { check: input.checkReject, reduce: reduce.reject },
  setAwareness: { check: input.checkAwareness, reduce: reduce.setAwareness },
  setFact: { check: input.checkFact, reduce: reduce.setFact },
  clockMet: { check: input.checkClockMet, reduce: reduce.clockMet },
  confirmReceipt: { check: input.checkReceipt, reduce: reduce.confirmReceipt },
  setPhase: { check: input.checkPhase, reduce: reduce.setPhase },
  resolve: { check: input.checkResolve, reduce: reduce.resolve },
  reclassify: { check: input.checkReclassify, reduce: reclassify },
  // The post-incident review (domain/review.ts).
  addReviewItem: { check: review.checkAddReviewItem, reduce: review.addReviewItem },
  assignReviewItem: { check: review.checkAssignReviewItem, reduce: review.assignReviewItem },
  closeReviewItem: { check: review.checkCloseReviewItem, reduce: review.closeReviewItem },
  recordReview: { check: review.checkRecordReview, reduce: review.recordReview },
  waiveReview: { check: review.checkWaiveReview, reduce: review.waiveReview },
  requestSpend: { check: spendInput.checkSpendRequest, reduce: spend.requestSpend },
  decideSpend: { check: spendInput.checkSpendDecision, reduce: spend.decideSpend },
} as const;

export type ResponderActionName = keyof typeof RESPONDER_ACTIONS;
export const RESPONDER_ACTION_NAMES = Object.keys(RESPONDER_ACTIONS) as ResponderActionName[];
