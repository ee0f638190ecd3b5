/**
 * Emergency spend as incident reducers: a request is recorded pending, and someone other than the
 * requester approves or rejects it (two-person rule). The crisis budget's ledger counts approved
 * spend (domain/crisis-budget.ts). No effects: neither clocks nor search attributes change, so the
 * workflow issues no command for them and running incidents replay unchanged.
 */
import { entryRecorded } from './incident-progress';
import type { IncidentRecord } from './incident';
import type { Reduced, ReducerContext } from './incident-reducers';
import type { SpendDecisionInput, SpendRequest, SpendRequestInput } from './spend-input';

export type { SpendRequest } from './spend-input';

/** At most this many requests per incident: enough for any crisis, bounded for the history. */
export const MAX_SPEND_REQUESTS = 200;

export function requestSpend(record: IncidentRecord, value: SpendRequestInput, ctx: ReducerContext): Reduced {
  const spend = record.spend ?? [];
  if (record.resolution) return { ok: false, refused: 'the incident is resolved: no new spend' };
  if (spend.length >= MAX_SPEND_REQUESTS)
    return { ok: false, refused: `already ${MAX_SPEND_REQUESTS} spend requests on this incident` };
  const request: SpendRequest = {
    id: `spend-${spend.length + 1}`,
    amount: value.amount,
    purpose: value.purpose,
    requestedBy: value.by,
    requestedAt: ctx.now,
    state: 'pending',
  };
  const next = entryRecorded(
    { ...record, spend: [...spend, request] },
    {
      at: ctx.now,
      kind: 'approval',
      summary: `emergency spend ${request.id} of ${value.amount} requested by ${value.by}: ${value.purpose}`,
      actor: value.by,
      step: request.id,
    },
  );
  return {
    ok: true,
    record: next,
    message: `${request.id} requested; it needs a decision by someone else`,
    effects: [],
  };
}

export function decideSpend(record: IncidentRecord, value: SpendDecisionInput, ctx: ReducerContext): Reduced {
  const spend = record.spend ?? [];
  const request = spend.find((s) => s.id === value.spend);
  if (!request) return { ok: false, refused: `spend: no ${value.spend} on this incident` };
  if (request.state !== 'pending')
    return { ok: false, refused: `spend: ${value.spend} is already ${request.state}` };
  if (request.requestedBy === value.by)
    return {
      ok: false,
      refused: `by: ${value.by} requested ${value.spend} and may not decide it (two-person rule)`,
    };
  const state = value.decision === 'approve' ? 'approved' : 'rejected';
  const decided: SpendRequest = {
    ...request,
    state,
    decidedBy: value.by,
    decidedAt: ctx.now,
    ...(value.reason ? { reason: value.reason } : {}),
  };
  const next = entryRecorded(
    { ...record, spend: spend.map((s) => (s.id === request.id ? decided : s)) },
    {
      at: ctx.now,
      kind: 'approval',
      summary: `emergency spend ${request.id} of ${request.amount} ${state} by ${value.by}${value.reason ? `: ${value.reason}` : ''}`,
      actor: value.by,
      step: request.id,
    },
  );
  return { ok: true, record: next, message: `${request.id} ${state}`, effects: [] };
}
