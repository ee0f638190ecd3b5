/**
 * Incident facts: the built-in ones every alert carries, plus those a runbook declares (read from
 * alert labels, or their defaults, and settable by responders during the incident).
 */
import type { FactValue } from './conditions';
import type { IncidentFacts } from './incident';
import type { FactDeclaration, Runbook } from './runbook';

export const BUILT_IN_FACTS = [
  'title',
  'pattern',
  'severity',
  'region',
  'euPersonalData',
  'source',
  'description',
] as const;

export function factValue(facts: IncidentFacts, name: string): FactValue | undefined {
  if ((BUILT_IN_FACTS as readonly string[]).includes(name)) {
    return facts[name as (typeof BUILT_IN_FACTS)[number]] as FactValue | undefined;
  }
  return Object.prototype.hasOwnProperty.call(facts.custom, name) ? facts.custom[name] : undefined;
}

/** A value given as text (alert label, CLI flag) converted to the declared type, or why not. */
export function coerceFact(
  name: string,
  decl: Pick<FactDeclaration, 'type'>,
  raw: unknown,
): { value: FactValue } | { error: string } {
  switch (decl.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return { value: raw };
      if (raw === 'true' || raw === 'yes') return { value: true };
      if (raw === 'false' || raw === 'no') return { value: false };
      return { error: `${name}: must be true or false` };
    case 'number': {
      const n =
        typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      return Number.isFinite(n) ? { value: n } : { error: `${name}: must be a number` };
    }
    case 'list':
      if (Array.isArray(raw) && raw.every((x) => typeof x === 'string')) return { value: raw };
      if (typeof raw === 'string')
        return {
          value: raw
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        };
      return { error: `${name}: must be a list of strings (or comma-separated text)` };
    case 'string':
      if (typeof raw === 'string' && raw.length <= 500) return { value: raw };
      return { error: `${name}: must be text of at most 500 characters` };
  }
}

/** The runbook's declared facts from alert labels (or defaults); problems are reported, not thrown. */
export function declaredFacts(
  runbook: Runbook,
  labels: Record<string, string>,
): { facts: Record<string, FactValue>; problems: string[] } {
  const facts: Record<string, FactValue> = {};
  const problems: string[] = [];
  for (const [name, decl] of Object.entries(runbook.facts)) {
    if ((BUILT_IN_FACTS as readonly string[]).includes(name)) continue; // only euPersonalData's default (intake)
    const raw = labels[decl.label ?? name];
    if (raw !== undefined) {
      const coerced = coerceFact(name, decl, raw);
      if ('value' in coerced) {
        facts[name] = coerced.value;
        continue;
      }
      problems.push(`label ${decl.label ?? name}: ${coerced.error}`);
    }
    if (decl.default !== undefined) facts[name] = decl.default;
  }
  return { facts, problems };
}

/** `${facts.name}` in string arguments, replaced by the fact's value (lists joined with commas). */
export function interpolate(value: unknown, facts: IncidentFacts, incidentId: string): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{(facts\.([a-zA-Z][a-zA-Z0-9]*)|incident\.id)\}/g, (_, __, name?: string) => {
      if (!name) return incidentId;
      const v = factValue(facts, name);
      return v === undefined ? '' : Array.isArray(v) ? v.join(',') : String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, facts, incidentId));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, facts, incidentId)]));
  }
  return value;
}
