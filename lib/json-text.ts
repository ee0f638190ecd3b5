/**
 * JSON from outside, parsed defensively: nesting deeper than `maxDepth` is refused before
 * parsing (deep values overflow the stack of every recursive walk after it: labels, hashing,
 * logging), and `__proto__` or `constructor.prototype` keys are refused (secure-json-parse).
 */
import sjson from 'secure-json-parse';

/** Enough for every vendor's alert format; far below what overflows a recursive walk. */
export const MAX_JSON_DEPTH = 64;

export class JsonRefused extends Error {
  override name = 'JsonRefused';
}

/** The deepest nesting of arrays and objects in JSON text (brackets inside strings do not count). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

export function parseJsonText(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (text.length === 0) throw new JsonRefused('the body is empty; send a JSON object');
  const depth = jsonDepth(text);
  if (depth > maxDepth)
    throw new JsonRefused(`nested ${depth} levels deep; at most ${maxDepth} levels are accepted`);
  try {
    return sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    throw new JsonRefused((err as Error).message);
  }
}
