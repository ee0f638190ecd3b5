/**
 * Emergency spend during an incident (contractors, extra capacity): the payloads of
 * `requestSpend` and `decideSpend`. Checked inside the workflow like every responder action; shared
 * by workflows like responder-input.ts, so its schemas stay private behind their `check*` functions.
 */
import { z } from 'zod';
import { actionId, checker, text } from './responder-input';

/** One emergency spend request and its decision, as the incident keeps it. */
export interface SpendRequest {
  id: string;
  amount: number;
  purpose: string;
  requestedBy: string;
  requestedAt: string;
  state: 'pending' | 'approved' | 'rejected';
  decidedBy?: string;
  decidedAt?: string;
  reason?: string;
}

const SpendRequestInput = z.object({
  by: text(100),
  /** In the budget's currency (config/crisis-budget.yaml). */
  amount: z
    .number({ error: 'must be a number' })
    .positive('must be more than 0')
    .max(100_000_000, 'must be at most 100000000')
    .refine((n) => Math.round(n * 100) === n * 100, 'must have at most two decimals'),
  purpose: text(300),
  ...actionId(),
});
export type SpendRequestInput = z.output<typeof SpendRequestInput>;

const SpendDecisionInput = z.object({
  by: text(100),
  spend: text(20).regex(/^spend-\d{1,4}$/, 'must be a spend id like spend-1'),
  decision: z.enum(['approve', 'reject'], 'must be "approve" or "reject"'),
  reason: text(1000).optional(),
  ...actionId(),
});
export type SpendDecisionInput = z.output<typeof SpendDecisionInput>;

export const checkSpendRequest = checker(
  SpendRequestInput,
  '{"by": "dev", "amount": 4800, "purpose": "contractor: Salesforce integration specialist, 2 days"}',
);
export const checkSpendDecision = checker(
  SpendDecisionInput,
  '{"by": "isabel", "spend": "spend-1", "decision": "approve"}',
);
