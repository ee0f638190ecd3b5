/**
 * What a tabletop exercise feeds the simulator: facts for the alert, and responders' actions at
 * offsets from detection (`--respond ack=ana@10m`). Pure parsing with precise errors.
 */
import { durationMs, parseDuration } from '../domain/duration';

export type Response =
  | { at: number; kind: 'ack'; by: string }
  | { at: number; kind: 'resolve'; by: string }
  | { at: number; kind: 'reopen'; by: string }
  | { at: number; kind: 'escalate'; by: string }
  | { at: number; kind: 'approve' | 'reject'; step: string; by: string }
  | { at: number; kind: 'aware'; awareAt: number; by: string }
  | { at: number; kind: 'fact'; name: string; value: string; by: string }
  | { at: number; kind: 'clock'; clock: string; by: string }
  | { at: number; kind: 'phase'; phase: 'contained' | 'recovered'; by: string };

const SIMPLE = ['ack', 'resolve', 'reopen', 'escalate'] as const;

export const RESPONSE_HELP = [
  'ack=<person>@<offset>            acknowledge',
  'resolve=<person>@<offset>        resolve',
  'reopen=<person>@<offset>         take the acknowledgement back',
  'escalate=<person>@<offset>       escalate at once',
  '<step>=<person>@<offset>         approve an approval step (or <step>=approve:<person>@…)',
  '<step>=reject:<person>@<offset>  reject it',
  'aware=<offset>@<offset>          legal sets the awareness time (first offset may be negative)',
  'fact=<name>:<value>@<offset>     set a fact, e.g. fact=euPersonalData:true@20m',
  'clock=<clock>@<offset>           record a clock as met, e.g. clock=gdpr-art33@60h',
  'phase=<contained|recovered>@<offset>  a responder declares the phase',
].join('\n');

function offset(text: string, what: string, allowNegative = false): number {
  const negative = allowNegative && text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  if (body === '0') return 0;
  const parsed = parseDuration(body);
  if ('error' in parsed) throw new Error(`${what}: ${parsed.error}`);
  return negative ? -parsed.ms : parsed.ms;
}

/** One `--respond` value; throws an Error naming the problem. */
export function parseResponse(spec: string): Response {
  const eq = spec.indexOf('=');
  const atSign = spec.lastIndexOf('@');
  if (eq < 1 || atSign < eq)
    throw new Error(`--respond ${spec}: expected <action>=<value>@<offset>, e.g. ack=ana@10m`);
  const key = spec.slice(0, eq);
  const value = spec.slice(eq + 1, atSign);
  const at = offset(spec.slice(atSign + 1), `--respond ${spec}: offset`);
  if (!value) throw new Error(`--respond ${spec}: the value before @ is empty`);
  if ((SIMPLE as readonly string[]).includes(key))
    return { at, kind: key as (typeof SIMPLE)[number], by: value };
  if (key === 'aware')
    return {
      at,
      kind: 'aware',
      awareAt: offset(value, `--respond ${spec}: awareness`, true),
      by: 'simulated-dpo',
    };
  if (key === 'fact') {
    const colon = value.indexOf(':');
    if (colon < 1) throw new Error(`--respond ${spec}: expected fact=<name>:<value>@<offset>`);
    return {
      at,
      kind: 'fact',
      name: value.slice(0, colon),
      value: value.slice(colon + 1),
      by: 'simulated-responder',
    };
  }
  if (key === 'clock') return { at, kind: 'clock', clock: value, by: 'simulated-responder' };
  if (key === 'phase') {
    if (value !== 'contained' && value !== 'recovered')
      throw new Error(`--respond ${spec}: phase must be contained or recovered`);
    return { at, kind: 'phase', phase: value, by: 'simulated-responder' };
  }
  const [decision, person] = value.includes(':') ? value.split(':', 2) : ['approve', value];
  if (decision !== 'approve' && decision !== 'reject') {
    throw new Error(`--respond ${spec}: "${decision}" is neither approve nor reject`);
  }
  return { at, kind: decision, step: key, by: person! };
}

/** `--facts k=v` pairs: built-in alert fields, or labels (from which runbook facts are read). */
export function parseFacts(pairs: string[]): Record<string, string> {
  const facts: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new Error(`--facts ${pair}: expected name=value, e.g. region=eu`);
    facts[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return facts;
}

export function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  let rest = Math.round(Math.abs(ms) / 1000);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  return `T${sign}${h ? `${h}h` : ''}${m || !h ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

export { durationMs };
