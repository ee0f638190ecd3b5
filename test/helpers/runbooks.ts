/** Runbooks written inline in tests, parsed with the real schema. */
import { parse } from 'yaml';
import { Runbook } from '../../domain/runbook';

/** Test runbooks match every alert unless they say otherwise. */
export function runbookFromYaml(text: string): Runbook {
  const doc = parse(text) as Record<string, unknown>;
  doc.match ??= { fallback: true };
  return Runbook.parse(doc);
}
