/**
 * Untrusted text (alert titles, claimed person ids, reasons, notes) made safe to show: no
 * terminal control sequences, no line breaks that could draw a fake line, no bidirectional
 * overrides that reorder what a reader sees. Applied where text leaves for a terminal, an SMS,
 * a page or an email header; the stored record keeps what was sent.
 */

/* eslint-disable no-control-regex -- matching control characters is the point */

/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
/** Controls except newline and tab, for text that is meant to have lines. */
const CONTROLS_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;
/** Bidirectional marks, embeddings, overrides and isolates (the "Trojan Source" set). */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** One line: every control becomes a space, bidi controls are dropped. */
export function oneLine(text: string): string {
  return text.replace(BIDI, '').replace(CONTROLS, ' ');
}

/** Text of several lines: newlines and tabs stay, other controls become spaces, bidi is dropped. */
export function printableText(text: string): string {
  return text.replace(BIDI, '').replace(CONTROLS_BUT_LINES, ' ');
}

/** Every string in a JSON-like value made one line (keys too): for records shown field by field. */
export function printableDeep<T>(value: T): T {
  if (typeof value === 'string') return oneLine(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => printableDeep(v)) as T;
  if (value && typeof value === 'object')
    // fromEntries defines own properties: a key named __proto__ stays a key.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [oneLine(k), printableDeep(v)])) as T;
  return value;
}

/**
 * JSON for a terminal: the same document, with bidi and C1 controls written as \u escapes
 * (JSON.stringify escapes C0 itself), so `--json` output parses to exactly the data.
 */
export function terminalJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
