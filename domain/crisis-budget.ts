/**
 * The crisis budget: what an incident costs, against an envelope of the normal operational cost
 * times a multiplier (the seed: "typically 2-3x normal operational costs during crisis periods").
 * The ledger has three kinds of lines: responder time from acknowledgement to resolution per
 * person (at the highest hourly rate of their roles, from the directory's `rates`), paid
 * notifications (SMS segments and voice calls, from the provider's answers), and approved
 * emergency spend. Pure: the incident's status, the rates and the time come from the caller.
 */
import { z } from 'zod';
import { parseDuration } from './duration';
import type { IncidentStatus } from './incident';

export const CrisisBudgetConfig = z
  .object({
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like EUR')
      .default('EUR'),
    /** What handling one incident normally costs: the envelope is this times `multiplier`. */
    normalCost: z.number().positive('must be more than 0'),
    multiplier: z.number().min(1).max(20).default(3),
    /** Share of the envelope at which the incident commander is warned. */
    warnAt: z.number().gt(0).lt(1).default(0.8),
    /** Price of one SMS segment when the provider's answer gives none. */
    smsSegment: z.number().nonnegative().default(0.08),
    /** Price of one voice call (its first minutes) when the provider's answer gives none. */
    voiceCall: z.number().nonnegative().default(0.5),
    /** Who is warned at `warnAt`, and whose roles may approve going over (directory roles/targets). */
    warn: z.string().min(1).default('incident-commander'),
    approverRoles: z.array(z.string().min(1)).min(1).default(['finance', 'executive']),
    /** How often the crisis budget watch looks at every open incident's ledger. */
    watchEvery: z
      .string()
      .refine((t) => !('error' in parseDuration(t)), 'must be a duration like 5m')
      .default('5m'),
  })
  .strict();
export type CrisisBudgetConfig = z.infer<typeof CrisisBudgetConfig>;

export interface LedgerLine {
  kind: 'responder-time' | 'notification' | 'emergency-spend';
  what: string;
  amount: number;
  detail: string;
}

export interface CrisisLedger {
  currency: string;
  lines: LedgerLine[];
  total: number;
  normalCost: number;
  multiplier: number;
  envelope: number;
  /** total / envelope, e.g. 0.82. */
  used: number;
  /** `warning`: at or past `warnAt`; `over`: past the envelope. */
  state: 'within' | 'warning' | 'over';
  /** Pending emergency spend and what the total would be if all of it were approved. */
  pending: { id: string; amount: number; purpose: string; requestedBy: string }[];
  totalIfApproved: number;
  /** Whether approving the pending spend would take the incident over its envelope. */
  pendingGoesOver: boolean;
  asOf: string;
}

/** A person's hourly rate and the role it comes from (none: 0). */
export type RateOf = (person: string) => { rate: number; role?: string };

const cents = (n: number) => Math.round(n * 100) / 100;
const HOUR_MS = 3_600_000;

/** People who acted on the incident (acknowledged, decided, set facts, resolved), first action first. */
function responders(status: IncidentStatus): Map<string, string> {
  const first = new Map<string, string>();
  const note = (person: string | undefined, at: string) => {
    if (!person || person.includes(':') || person.includes('@')) return;
    const earlier = first.get(person);
    if (!earlier || Date.parse(at) < Date.parse(earlier)) first.set(person, at);
  };
  for (const a of status.acknowledgements) note(a.by, a.at);
  for (const e of status.timeline)
    if (['acknowledgement', 'approval', 'fact', 'phase', 'clock', 'resolution'].includes(e.kind))
      note(e.actor, e.at);
  for (const a of status.approvals) for (const d of a.decisions) note(d.by, d.at);
  if (status.resolution) note(status.resolution.by, status.resolution.at);
  return first;
}

export function crisisLedger(
  status: IncidentStatus,
  config: CrisisBudgetConfig,
  rateOf: RateOf,
  now: string,
): CrisisLedger {
  const lines: LedgerLine[] = [];
  const ackAt = status.acknowledgements.map((a) => Date.parse(a.at)).sort((a, b) => a - b)[0];
  const endAt = status.resolution ? Date.parse(status.resolution.at) : Date.parse(now);
  if (ackAt !== undefined) {
    for (const [person, firstAt] of responders(status)) {
      const from = Math.max(ackAt, Date.parse(firstAt));
      const hours = Math.max(0, endAt - from) / HOUR_MS;
      const { rate, role } = rateOf(person);
      lines.push({
        kind: 'responder-time',
        what: person,
        amount: cents(hours * rate),
        detail: `${hours.toFixed(2)} h × ${rate}/h${role ? ` (${role})` : ' (no rate for their roles)'}`,
      });
    }
  }
  for (const d of status.deliveries) {
    if (d.outcome !== 'delivered' || (d.channel !== 'sms' && d.channel !== 'voice')) continue;
    const price = /price -?(\d+(?:\.\d+)?)/.exec(d.detail ?? '')?.[1];
    const segments = Number(/(\d+) segment/.exec(d.detail ?? '')?.[1] ?? 1);
    const amount = price
      ? Number(price)
      : d.channel === 'sms'
        ? segments * config.smsSegment
        : config.voiceCall;
    lines.push({
      kind: 'notification',
      what: `${d.channel} to ${d.recipient} (${d.step})`,
      amount: cents(amount),
      detail: price
        ? `provider price ${price}`
        : d.channel === 'sms'
          ? `${segments} segment(s) × ${config.smsSegment}`
          : `call at ${config.voiceCall}`,
    });
  }
  const spend = status.spend ?? [];
  for (const s of spend.filter((x) => x.state === 'approved'))
    lines.push({
      kind: 'emergency-spend',
      what: `${s.id}: ${s.purpose}`,
      amount: s.amount,
      detail: `requested by ${s.requestedBy}, approved by ${s.decidedBy}`,
    });
  const total = cents(lines.reduce((sum, l) => sum + l.amount, 0));
  const envelope = cents(config.normalCost * config.multiplier);
  const used = envelope ? total / envelope : 0;
  const pending = spend
    .filter((x) => x.state === 'pending')
    .map(({ id, amount, purpose, requestedBy }) => ({ id, amount, purpose, requestedBy }));
  const totalIfApproved = cents(total + pending.reduce((sum, p) => sum + p.amount, 0));
  return {
    currency: config.currency,
    lines,
    total,
    normalCost: config.normalCost,
    multiplier: config.multiplier,
    envelope,
    used: Math.round(used * 1000) / 1000,
    state: total > envelope ? 'over' : used >= config.warnAt ? 'warning' : 'within',
    pending,
    totalIfApproved,
    pendingGoesOver: totalIfApproved > envelope,
    asOf: status.resolution?.at ?? now,
  };
}

/** Who may approve a spend: anyone, unless it would take the incident over its envelope. */
export function spendApprovalProblem(
  ledger: CrisisLedger,
  spendId: string,
  deciderRoles: readonly string[],
  config: CrisisBudgetConfig,
): string | undefined {
  const request = ledger.pending.find((p) => p.id === spendId);
  if (!request) return undefined;
  if (ledger.total + request.amount <= ledger.envelope) return undefined;
  if (deciderRoles.some((r) => config.approverRoles.includes(r))) return undefined;
  return (
    `${spendId} (${request.amount} ${ledger.currency}) would take the incident over its envelope ` +
    `(${ledger.total} of ${ledger.envelope} ${ledger.currency} spent): it needs someone with the role ` +
    `${config.approverRoles.join(' or ')}`
  );
}
