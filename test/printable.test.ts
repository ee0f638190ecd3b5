/** Untrusted text made safe to show, and JSON nesting measured before parsing: properties. */
/* eslint-disable no-control-regex -- these tests are about control characters */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonDepth, parseJsonText, JsonRefused } from '../lib/json-text';
import { oneLine, printableDeep, printableText, terminalJson } from '../lib/printable';

const UNSAFE_BUT_LINES =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const hostileChar = fc.constantFrom(
  '\u001b',
  '\r',
  '\n',
  '\t',
  '\u0007',
  '\u009b',
  '\u202e',
  '\u2066',
  '\u2028',
  'a',
  'é',
  '漢',
  ' ',
);
const hostileText = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: hostileChar }));

/** Nesting depth of a parsed value, counted the slow, obvious way. */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value && typeof value === 'object') return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

describe('printable text (fast-check)', () => {
  it('oneLine leaves no control, line break or bidi character, and is idempotent', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const shown = oneLine(text);
        assert.doesNotMatch(shown, UNSAFE_BUT_LINES);
        assert.doesNotMatch(shown, /[\n\t]/);
        assert.equal(oneLine(shown), shown);
      }),
      { numRuns: 2_000 },
    );
  });

  it('printableText keeps newlines and tabs only, and leaves ordinary text alone', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const shown = printableText(text);
        assert.doesNotMatch(shown, UNSAFE_BUT_LINES);
        assert.equal(shown.split('\n').length, text.split('\n').length, 'lines are kept');
        if (!UNSAFE_BUT_LINES.test(text)) assert.equal(shown, text);
      }),
      { numRuns: 2_000 },
    );
  });

  it('printableDeep cleans every string of a record, keys too, and keeps __proto__ a key', () => {
    const cleaned = printableDeep(
      JSON.parse('{"__proto__": "\\u001b[2Jx", "a": ["\\u202eb", 1, null]}') as object,
    );
    assert.deepEqual(Object.keys(cleaned), ['__proto__', 'a']);
    assert.equal(Object.getPrototypeOf(cleaned), Object.prototype);
    assert.deepEqual(Object.values(cleaned), [' [2Jx', ['b', 1, null]]);
  });

  it('terminalJson parses back to exactly the data, with nothing a terminal would act on', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.dictionary(hostileText, hostileText), (value, texts) => {
        const doc = { value, texts };
        const printed = terminalJson(doc);
        assert.doesNotMatch(printed.replace(/\n/g, ''), UNSAFE_BUT_LINES);
        assert.deepEqual(JSON.parse(printed), JSON.parse(JSON.stringify(doc)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('JSON depth before parsing (fast-check)', () => {
  it('jsonDepth measures what JSON.parse would build, strings with brackets included', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), (value) => {
        const text = JSON.stringify(value);
        assert.equal(jsonDepth(text), depthOf(JSON.parse(text)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses deeper than the limit by name, and __proto__ keys', () => {
    assert.throws(() => parseJsonText('['.repeat(65) + ']'.repeat(65)), /nested 65 levels deep; at most 64/);
    assert.deepEqual(parseJsonText('['.repeat(64) + ']'.repeat(64)) !== undefined, true);
    assert.throws(() => parseJsonText('{"__proto__": {"x": 1}}'), JsonRefused);
    assert.throws(() => parseJsonText(''), /empty/);
  });
});
