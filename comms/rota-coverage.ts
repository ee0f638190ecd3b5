/**
 * Rota coverage over a stretch of time: does every moment have at least one engineer and one
 * compliance responder on call? Each rota is walked shift by shift (and override by override), so
 * a gap is reported with its exact times, not rounded to hours. Pure: the directory and the
 * stretch come from the caller.
 */
import { DateTime } from 'luxon';
import type { CoverageGap, CoverageRoles } from '../domain/high-risk-period';
import { resolveTarget, type Directory } from './directory';
import { onCallAt, type Rota } from './rota';

type Kind = 'engineering' | 'compliance';
const KINDS: Kind[] = ['engineering', 'compliance'];

/** Instants where someone's shift may change: handoffs and override bounds, within [from, until). */
function boundaries(rota: Rota, from: number, until: number): number[] {
  const points = new Set<number>([from]);
  const rotaStart = DateTime.fromISO(rota.start, { zone: rota.timezone }).toMillis();
  if (rotaStart > from && rotaStart < until) points.add(rotaStart);
  for (const o of rota.overrides) {
    for (const t of [Date.parse(o.from), Date.parse(o.to)]) if (t > from && t < until) points.add(t);
  }
  let t = from;
  // A shift ends at the next handoff; a rota hands over at least weekly, so this ends.
  while (t < until) {
    const next = Date.parse(onCallAt(rota, new Date(t).toISOString()).until);
    if (!(next > t)) break;
    if (next < until) points.add(next);
    t = next;
  }
  return [...points];
}

/** The person a rota has on call at `at`, or none before the rota's first shift. */
function onCall(rota: Rota, at: number): string | undefined {
  const rotaStart = DateTime.fromISO(rota.start, { zone: rota.timezone }).toMillis();
  const override = rota.overrides.some((o) => Date.parse(o.from) <= at && at < Date.parse(o.to));
  if (at < rotaStart && !override) return undefined;
  return onCallAt(rota, new Date(at).toISOString()).person;
}

function kindsOf(dir: Directory, person: string, roles: CoverageRoles): Kind[] {
  const held = dir.people[person]?.roles ?? [];
  return KINDS.filter((k) => roles[k].some((r) => held.includes(r)));
}

/**
 * Gaps in [from, until): stretches where no rota has an engineer, or no rota has a compliance
 * responder, on call. Each gap names whom to tell: the owners of the rotas that provide the
 * missing kind (a rota provides a kind when someone in its order holds one of its roles), or the
 * recipients of `gapsTo` when no such rota names an owner.
 */
export function coverageGaps(
  dir: Directory,
  range: { from: string; until: string },
  roles: CoverageRoles,
  gapsTo: string,
): CoverageGap[] {
  const from = Date.parse(range.from);
  const until = Date.parse(range.until);
  const rotas = Object.values(dir.rotas);
  const points = [...new Set(rotas.flatMap((r) => boundaries(r, from, until)).concat(from))].sort(
    (a, b) => a - b,
  );
  const gaps: CoverageGap[] = [];
  points.forEach((at, i) => {
    const end = points[i + 1] ?? until;
    const covered = new Set(
      rotas.flatMap((r) => {
        const person = onCall(r, at);
        return person ? kindsOf(dir, person, roles) : [];
      }),
    );
    const missing = KINDS.filter((k) => !covered.has(k));
    const last = gaps.at(-1);
    if (!missing.length) return;
    if (last && last.until === new Date(at).toISOString() && last.missing.join() === missing.join()) {
      last.until = new Date(end).toISOString();
      return;
    }
    gaps.push({
      from: new Date(at).toISOString(),
      until: new Date(end).toISOString(),
      missing,
      owners: [],
    });
  });
  for (const gap of gaps) gap.owners = ownersFor(dir, gap.missing, roles, gapsTo, gap.from);
  return gaps;
}

function ownersFor(
  dir: Directory,
  missing: Kind[],
  roles: CoverageRoles,
  gapsTo: string,
  at: string,
): string[] {
  const owners = new Set<string>();
  for (const rota of Object.values(dir.rotas)) {
    const provides = rota.order.some((p) => kindsOf(dir, p, roles).some((k) => missing.includes(k)));
    if (provides && rota.owner) owners.add(rota.owner);
  }
  if (!owners.size) for (const r of resolveTarget(dir, gapsTo, at)) owners.add(r.id);
  return [...owners];
}
