/** Building SOQL safely: literals quoted, configured criteria checked by a real SOQL parser. */
import type * as SoqlParser from '@jetstreamapp/soql-parser-js';

let parser: typeof SoqlParser | undefined;

/**
 * The parser builds its whole grammar when loaded (about 0.6 s), and most processes that import
 * this file never check a condition (the CLI, the gateway): it loads on the first check.
 */
function soqlParser(): typeof SoqlParser {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a synchronous load on first use
  return (parser ??= require('@jetstreamapp/soql-parser-js') as typeof SoqlParser);
}

/** A string literal: backslashes and quotes escaped as SOQL requires. */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** `('a','b')` for IN; callers must not pass an empty list (SOQL has no empty IN). */
export function soqlList(values: readonly string[]): string {
  if (values.length === 0) throw new Error('soqlList: empty list');
  return `(${values.map(soqlString).join(',')})`;
}

/** A datetime literal (unquoted ISO 8601 in UTC, no milliseconds). */
export function soqlDateTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Why a configured WHERE clause is not valid SOQL, or undefined when it is. */
export function whereClauseProblem(sobject: string, where: string): string | undefined {
  if (/;|\bLIMIT\b|\bORDER\s+BY\b/i.test(where)) return 'only the condition: no ORDER BY, LIMIT or ";"';
  return soqlParser().isQueryValid(`SELECT Id FROM ${sobject} WHERE ${where}`)
    ? undefined
    : `not a valid SOQL condition for ${sobject}: ${where}`;
}
