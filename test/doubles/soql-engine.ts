/**
 * SOQL for the Salesforce double: queries are parsed by a real SOQL parser and answered from the
 * in-memory org. Supported: field lists with parent relationships (`Owner.Name`), WHERE with
 * AND/OR/NOT and parentheses, = != < <= > >= LIKE IN NOT IN (literal lists and semi-join
 * subqueries), string/number/boolean/null/datetime literals, ORDER BY (NULLS FIRST/LAST), LIMIT,
 * OFFSET. Anything else is MALFORMED_QUERY, so code that sends an unsupported shape finds out.
 * Every sObject and field named is checked against the org first (INVALID_TYPE, INVALID_FIELD).
 */
import {
  parseQuery,
  type Condition,
  type FieldType,
  type Query,
  type ValueQueryCondition,
  type WhereClause,
} from '@jetstreamapp/soql-parser-js';

export type OrgRecord = { Id: string; [field: string]: unknown };

export interface OrgView {
  all(sobject: string): OrgRecord[];
  byId(id: string): { sobject: string; record: OrgRecord } | undefined;
  /** Throws QueryRefused if the org has no such sObject, or the user can't read it. */
  checkObject(sobject: string): void;
  /** Throws QueryRefused if `sobject` has no such field (for `Owner.Name`, no `OwnerId`). */
  checkField(sobject: string, path: string): void;
}

/** A query Salesforce refuses with 400 and this errorCode. */
export class QueryRefused extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

export class MalformedQuery extends QueryRefused {
  constructor(message: string) {
    super('MALFORMED_QUERY', message);
  }
}

/** The lookup field a relationship name follows: `Owner` → `OwnerId`, `Custom__r` → `Custom__c`. */
export function lookupField(relationship: string): string {
  return relationship.endsWith('__r') ? relationship.replace(/__r$/, '__c') : `${relationship}Id`;
}

/** Field names are case-insensitive in SOQL; records keep the API name's own case. */
export function fieldKey(record: OrgRecord, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(record).find((k) => k.toLowerCase() === lower);
}

/** `Owner.Name` follows OwnerId; `Custom__r.Field__c` follows Custom__c. */
function valueAt(org: OrgView, record: OrgRecord, path: string): unknown {
  const [head, ...rest] = path.split('.');
  if (!head) return undefined;
  if (rest.length === 0) {
    const key = fieldKey(record, head);
    return key === undefined ? undefined : record[key];
  }
  const lookup = lookupField(head);
  const key = fieldKey(record, lookup);
  const parentId = key === undefined ? undefined : record[key];
  const parent = typeof parentId === 'string' ? org.byId(parentId) : undefined;
  return parent ? valueAt(org, parent.record, rest.join('.')) : null;
}

type Literal = string | number | boolean | null;

function literal(raw: string, type: string | undefined): Literal {
  switch (type) {
    case 'STRING':
      return raw.replace(/^'|'$/g, '').replace(/\\(.)/g, '$1');
    case 'INTEGER':
    case 'DECIMAL':
      return Number(raw);
    case 'BOOLEAN':
      return raw.toUpperCase() === 'TRUE';
    case 'NULL':
      return null;
    case 'DATETIME':
    case 'DATE':
      return Date.parse(raw);
    default:
      throw new MalformedQuery(`unsupported literal ${raw} (${type})`);
  }
}

/** Record value in the literal's terms: epoch ms for dates, lower case for strings. */
function comparable(value: unknown, like: Literal): Literal {
  if (value === undefined || value === null) return null;
  if (typeof like === 'number' && typeof value === 'string') return Date.parse(value);
  if (typeof value === 'string') return value.toLowerCase();
  return value as Literal;
}

/** ISO datetimes sort as strings; strings ignore case. */
function sortable(value: unknown): Literal {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value.toLowerCase() : (value as Literal);
}

function likeMatches(value: unknown, pattern: string): boolean {
  if (typeof value !== 'string') return false;
  const regex = pattern
    .split('')
    .map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`, 'is').test(value);
}

function evalCondition(org: OrgView, record: OrgRecord, cond: Condition | ValueQueryCondition): boolean {
  if (!('field' in cond)) throw new MalformedQuery('functions in WHERE are not supported by the double');
  const actual = valueAt(org, record, cond.field);
  if ('valueQuery' in cond && cond.valueQuery) {
    const ids = new Set(
      runSelect(org, cond.valueQuery).map((r) => String(Object.values(r).find((v) => typeof v !== 'object'))),
    );
    const inSet = typeof actual === 'string' && ids.has(actual);
    return cond.operator === 'NOT IN' ? !inSet : inSet;
  }
  const c = cond as { operator: string; value: string | string[]; literalType?: string | string[] };
  const types = Array.isArray(c.literalType) ? c.literalType : [c.literalType];
  if (c.operator === 'IN' || c.operator === 'NOT IN') {
    const values = (Array.isArray(c.value) ? c.value : [c.value]).map((v, i) =>
      literal(v, types[i] ?? types[0]),
    );
    const inList = values.some(
      (v) => comparable(actual, v) === (typeof v === 'string' ? v.toLowerCase() : v),
    );
    return c.operator === 'IN' ? inList : !inList;
  }
  const expected = literal(c.value as string, types[0]);
  if (c.operator === 'LIKE') return likeMatches(actual, String(expected));
  const a = comparable(actual, expected);
  const b = typeof expected === 'string' ? expected.toLowerCase() : expected;
  switch (c.operator) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a !== null && b !== null && a < b;
    case '<=':
      return a !== null && b !== null && a <= b;
    case '>':
      return a !== null && b !== null && a > b;
    case '>=':
      return a !== null && b !== null && a >= b;
    default:
      throw new MalformedQuery(`operator ${c.operator} is not supported by the double`);
  }
}

type Token = { cond: Condition | ValueQueryCondition } | '(' | ')' | 'AND' | 'OR' | 'NOT';

/** The parser gives a right-nested list with parenthesis counts; flatten it to tokens. */
function tokenize(where: WhereClause | undefined, out: Token[] = []): Token[] {
  if (!where) return out;
  const left = where.left as (Condition & { openParen?: number; closeParen?: number }) | null;
  if (left) {
    for (let i = 0; i < (left.openParen ?? 0); i++) out.push('(');
    if ('field' in left || 'fn' in left) out.push({ cond: left });
    for (let i = 0; i < (left.closeParen ?? 0); i++) out.push(')');
  }
  if ('operator' in where && where.operator) out.push(where.operator);
  if ('right' in where) tokenize(where.right, out);
  return out;
}

/** Recursive descent: OR binds looser than AND, NOT tightest. */
function evalTokens(org: OrgView, record: OrgRecord, tokens: Token[]): boolean {
  let pos = 0;
  const expr = (): boolean => {
    let value = term();
    while (tokens[pos] === 'OR') {
      pos++;
      const right = term();
      value = value || right;
    }
    return value;
  };
  const term = (): boolean => {
    let value = factor();
    while (tokens[pos] === 'AND') {
      pos++;
      const right = factor();
      value = value && right;
    }
    return value;
  };
  const factor = (): boolean => {
    const token = tokens[pos++];
    if (token === 'NOT') return !factor();
    if (token === '(') {
      const value = expr();
      if (tokens[pos++] !== ')') throw new MalformedQuery('unbalanced parentheses');
      return value;
    }
    if (token && typeof token === 'object') return evalCondition(org, record, token.cond);
    throw new MalformedQuery(`unexpected ${String(token)} in WHERE`);
  };
  const result = expr();
  if (pos !== tokens.length) throw new MalformedQuery('unexpected tokens at the end of WHERE');
  return result;
}

function project(
  org: OrgView,
  sobject: string,
  record: OrgRecord,
  fields: FieldType[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: { type: sobject, url: `/services/data/v62.0/sobjects/${sobject}/${record.Id}` },
  };
  for (const field of fields) {
    if (field.type === 'Field') {
      out[fieldKey(record, field.field) ?? field.field] = valueAt(org, record, field.field) ?? null;
    } else if (field.type === 'FieldRelationship') {
      const [relation] = field.relationships;
      if (field.relationships.length !== 1 || !relation)
        throw new MalformedQuery('only one level of relationship is supported by the double');
      const parentValue = valueAt(org, record, `${relation}.${field.field}`);
      const existing = out[relation] as Record<string, unknown> | null | undefined;
      if (parentValue === null && existing === undefined) out[relation] = null;
      else
        out[relation] = { ...(existing ?? { attributes: { type: relation } }), [field.field]: parentValue };
    } else {
      throw new MalformedQuery(`${field.type} is not supported by the double`);
    }
  }
  return out;
}

/** Every field the query names, as paths (`Owner.Name`). */
function namedFields(query: Query, tokens: Token[]): string[] {
  const paths: string[] = [];
  for (const field of query.fields ?? []) {
    if (field.type === 'Field') paths.push(field.field);
    if (field.type === 'FieldRelationship') paths.push([...field.relationships, field.field].join('.'));
  }
  for (const token of tokens)
    if (typeof token === 'object' && 'field' in token.cond) paths.push(token.cond.field);
  const orderBy = query.orderBy ? (Array.isArray(query.orderBy) ? query.orderBy : [query.orderBy]) : [];
  for (const clause of orderBy) if ('field' in clause && clause.field) paths.push(clause.field);
  return paths;
}

function runSelect(org: OrgView, query: Query): Record<string, unknown>[] {
  if (!query.sObject) throw new MalformedQuery('FROM is required');
  if (query.groupBy || query.having) throw new MalformedQuery('GROUP BY is not supported by the double');
  const tokens = tokenize(query.where);
  org.checkObject(query.sObject);
  for (const path of namedFields(query, tokens)) org.checkField(query.sObject, path);
  let rows = org.all(query.sObject).filter((r) => tokens.length === 0 || evalTokens(org, r, tokens));
  const orderBy = query.orderBy ? (Array.isArray(query.orderBy) ? query.orderBy : [query.orderBy]) : [];
  if (orderBy.length) {
    rows = [...rows].sort((x, y) => {
      for (const clause of orderBy) {
        if (!('field' in clause)) throw new MalformedQuery('ORDER BY functions are not supported');
        const desc = clause.order === 'DESC';
        const nullsFirst = clause.nulls ? clause.nulls === 'FIRST' : !desc;
        const a = sortable(valueAt(org, x, clause.field));
        const b = sortable(valueAt(org, y, clause.field));
        if (a === b) continue;
        if (a === null) return nullsFirst ? -1 : 1;
        if (b === null) return nullsFirst ? 1 : -1;
        return (a < b ? -1 : 1) * (desc ? -1 : 1);
      }
      return 0;
    });
  }
  rows = rows.slice(
    query.offset ?? 0,
    query.limit === undefined ? undefined : (query.offset ?? 0) + query.limit,
  );
  return rows.map((r) => project(org, query.sObject!, r, query.fields ?? []));
}

export function runQuery(org: OrgView, soql: string): Record<string, unknown>[] {
  let parsed: Query;
  try {
    parsed = parseQuery(soql);
  } catch (err) {
    throw new MalformedQuery((err as Error).message.split('\n')[0] ?? 'malformed query');
  }
  return runSelect(org, parsed);
}
