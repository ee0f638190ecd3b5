/**
 * On-call rotas: who holds the pager at a given instant. A rota hands over at fixed local times
 * (daily, or on given weekdays), passing the shift along `order`; overrides (swaps, sick cover)
 * replace the rotation for a period. Pure: the instant comes from the caller, so a simulation
 * resolves rotas at simulated time.
 */
import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const HANDOFF =
  /^(?:(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s+)?([01]\d|2[0-3]):([0-5]\d)$/;

export const TimeZone = z
  .string()
  .refine((tz) => IANAZone.isValidZone(tz), 'must be an IANA time zone like Europe/Berlin or UTC');

const Instant = z.iso.datetime({
  offset: true,
  message: 'must be a date-time with offset, e.g. 2026-11-26T20:00:00+01:00',
});

export const RotaOverride = z
  .object({
    from: Instant,
    to: Instant,
    person: z.string().min(1),
    reason: z.string().optional(),
  })
  .strict()
  .refine((o) => Date.parse(o.from) < Date.parse(o.to), {
    message: '"to" must be after "from"',
    path: ['to'],
  });

export const Rota = z
  .object({
    description: z.string().optional(),
    /** Person id told of gaps in this rota before a high-risk period (docs/readiness.md). */
    owner: z.string().min(1).optional(),
    /** Handoff times are local to this zone, so a 09:00 handoff stays at 09:00 across DST. */
    timezone: TimeZone,
    /** `"09:00"` (every day) or `"monday 09:00"` (weekly); one or more, all of the same kind. */
    handoffs: z
      .array(
        z.string().regex(HANDOFF, 'must be "HH:MM" or "<weekday> HH:MM", e.g. "09:00" or "monday 09:00"'),
      )
      .min(1),
    /** The first person in `order` takes the shift starting at the first handoff on or after this date. */
    start: z.iso.date({ message: 'must be a date like 2026-01-05' }),
    order: z.array(z.string().min(1)).min(1),
    /** Replace the rotation for a period; when overrides overlap, the one listed last wins. */
    overrides: z.array(RotaOverride).default([]),
  })
  .strict()
  .superRefine((rota, ctx) => {
    const weekly = rota.handoffs.map((h) => HANDOFF.exec(h)?.[1] !== undefined);
    if (weekly.some((w) => w !== weekly[0]))
      ctx.addIssue({
        code: 'custom',
        path: ['handoffs'],
        message: 'mix of daily and weekly handoffs: use one kind',
      });
  });
export type Rota = z.infer<typeof Rota>;

export interface OnCall {
  person: string;
  /** ISO instants bounding the shift (or the override) that covers the instant asked about. */
  since: string;
  until: string;
  /** Set when an override, not the rotation, decided. */
  override?: { reason?: string };
}

interface Handoff {
  /** Days after the start date's weekday (weekly), or 0 (daily). */
  dayOffset: number;
  /** Minutes after local midnight. */
  minute: number;
}

function handoffsOf(rota: Rota): { period: number; handoffs: Handoff[] } {
  const startWeekday = DateTime.fromISO(rota.start, { zone: rota.timezone }).weekday; // 1 = Monday
  let period = 1;
  const handoffs = rota.handoffs.map((text) => {
    const [, day, hh, mm] = HANDOFF.exec(text) ?? [];
    let dayOffset = 0;
    if (day) {
      period = 7;
      dayOffset = (WEEKDAYS.indexOf(day as (typeof WEEKDAYS)[number]) + 1 - startWeekday + 7) % 7;
    }
    return { dayOffset, minute: Number(hh) * 60 + Number(mm) };
  });
  handoffs.sort((a, b) => a.dayOffset - b.dayOffset || a.minute - b.minute);
  return { period, handoffs };
}

/** Whole calendar days from one local date to another, immune to DST-length days. */
function daysBetween(from: DateTime, to: DateTime): number {
  return Math.round(
    (Date.UTC(to.year, to.month - 1, to.day) - Date.UTC(from.year, from.month - 1, from.day)) / 86_400_000,
  );
}

const mod = (a: number, n: number) => ((a % n) + n) % n;

/** Who is on call for `rota` at `at` (ISO instant). */
export function onCallAt(rota: Rota, at: string): OnCall {
  const instant = Date.parse(at);
  if (Number.isNaN(instant)) throw new Error(`"${at}" is not an instant`);
  const override = [...rota.overrides]
    .reverse()
    .find((o) => Date.parse(o.from) <= instant && instant < Date.parse(o.to));
  if (override) {
    return {
      person: override.person,
      since: new Date(override.from).toISOString(),
      until: new Date(override.to).toISOString(),
      override: { reason: override.reason },
    };
  }

  const zone = rota.timezone;
  const start = DateTime.fromISO(rota.start, { zone });
  const local = DateTime.fromMillis(instant, { zone });
  const { period, handoffs } = handoffsOf(rota);
  const days = daysBetween(start, local);
  const dayInPeriod = mod(days, period);
  const minute = local.hour * 60 + local.minute;
  const passedThisPeriod = handoffs.filter(
    (h) => h.dayOffset < dayInPeriod || (h.dayOffset === dayInPeriod && h.minute <= minute),
  ).length;
  // Handoff number `shift` (0 = the first on or after the start date) began the current shift.
  const shift = Math.floor(days / period) * handoffs.length + passedThisPeriod - 1;

  const handoffInstant = (n: number): string => {
    const h = handoffs[mod(n, handoffs.length)]!;
    const day = Math.floor(n / handoffs.length) * period + h.dayOffset;
    return start
      .plus({ days: day })
      .set({ hour: Math.floor(h.minute / 60), minute: h.minute % 60 })
      .toJSDate()
      .toISOString();
  };
  return {
    person: rota.order[mod(shift, rota.order.length)]!,
    since: handoffInstant(shift),
    until: handoffInstant(shift + 1),
  };
}
