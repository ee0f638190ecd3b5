/** Registers the custom search attributes on a namespace; already-registered ones are left alone. */
import type { ConnectionLike } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from '../domain/search-attributes';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;
const VALUE_TYPE: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};
const GRPC_ALREADY_EXISTS = 6;
const GRPC_UNIMPLEMENTED = 12;

async function registered(connection: ConnectionLike, namespace: string): Promise<Set<string>> {
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    return new Set(Object.keys(existing.customAttributes ?? {}));
  } catch (err) {
    // The time-skipping test server can add search attributes but not list them.
    if ((err as { code?: number }).code === GRPC_UNIMPLEMENTED) return new Set();
    throw err;
  }
}

/** Returns the names it added. */
export async function registerSearchAttributes(
  connection: ConnectionLike,
  namespace: string,
): Promise<string[]> {
  const known = await registered(connection, namespace);
  const added: string[] = [];
  for (const key of ALL_SEARCH_ATTRIBUTES.filter((k) => !known.has(k.name))) {
    try {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: { [key.name]: VALUE_TYPE[key.type]! },
      });
      added.push(key.name);
    } catch (err) {
      if ((err as { code?: number }).code !== GRPC_ALREADY_EXISTS) throw err;
    }
  }
  return added;
}
