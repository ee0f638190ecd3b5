/**
 * Emergency spend during an incident (contractors, extra capacity): the payloads of
 * `requestSpend` and `decideSpend`. Checked inside the workflow like every responder action, so
 * workflows evaluate this module per incident (temporal/bundle.ts, NOT_SHARED_DOMAIN_MODULES).
 */
import { z } from 'zod';
import type { Checked } from './responder-input';

const text = (max: number) =>
  z
    .string({ error: 'must be a non-empty string' })
    .trim()
    .min(1, 'must be a non-empty string')
    .max(max, `must be at most ${max} characters`);

const actionId = text(100)
  .regex(/^[A-Za-z0-9._:-]+$/, 'must be letters, digits, ".", "_", ":" or "-"')
  .optional();

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

export const SpendRequestInput = z.object({
  by: text(100),
  /** In the budget's currency (config/crisis-budget.yaml). */
  amount: z
    .number({ error: 'must be a number' })
    .positive('must be more than 0')
    .max(100_000_000, 'must be at most 100000000')
    .refine((n) => Math.round(n * 100) === n * 100, 'must have at most two decimals'),
  purpose: text(300),
  id: actionId,
});
export type SpendRequestInput = z.output<typeof SpendRequestInput>;

export const SpendDecisionInput = z.object({
  by: text(100),
  spend: text(20).regex(/^spend-\d{1,4}$/, 'must be a spend id like spend-1'),
  decision: z.enum(['approve', 'reject'], 'must be "approve" or "reject"'),
  reason: text(1000).optional(),
  id: actionId,
});
export type SpendDecisionInput = z.output<typeof SpendDecisionInput>;

function checker<S extends z.ZodType>(
  schema: S,
  example: string,
): (payload: unknown) => Checked<z.output<S>> {
  return (payload) => {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
      return { ok: false, reason: `payload: must be an object like ${example}` };
    const parsed = schema.safeParse(payload);
    if (parsed.success)
      return {
        ok: true,
        value: Object.fromEntries(
          Object.entries(parsed.data as object).filter(([, v]) => v !== undefined),
        ) as z.output<S>,
      };
    const issue = parsed.error.issues[0]!;
    return { ok: false, reason: `${String(issue.path[0] ?? 'payload')}: ${issue.message}` };
  };
}

export const checkSpendRequest = checker(
  SpendRequestInput,
  '{"by": "dev", "amount": 4800, "purpose": "contractor: Salesforce integration specialist, 2 days"}',
);
export const checkSpendDecision = checker(
  SpendDecisionInput,
  '{"by": "isabel", "spend": "spend-1", "decision": "approve"}',
);
