/** Building SOQL safely: literals quoted, configured criteria checked by a real SOQL parser. */
import { isQueryValid } from '@jetstreamapp/soql-parser-js';

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
  return isQueryValid(`SELECT Id FROM ${sobject} WHERE ${where}`)
    ? undefined
    : `not a valid SOQL condition for ${sobject}: ${where}`;
}
