/**
 * How the CLI talks: human text by default, one JSON document with --json, errors on stderr.
 * Incidents carry text from outside (alert titles, link claims, reasons), so nothing reaches the
 * terminal with control sequences or bidi overrides in it.
 */
import { oneLine, printableText, terminalJson } from '../lib/printable';

/** A failure the user can act on: printed as `lockout: <message>`, exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function emit(json: boolean | undefined, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${terminalJson(value)}\n` : `${printableText(human())}\n`);
}

/** An error on stderr (its lines kept: lists of problems), without control sequences. */
export function printError(message: string): void {
  process.stderr.write(`lockout: ${printableText(message)}\n`);
}

/** Fixed-width columns for tables; the last column is not padded. */
export function table(untrusted: string[][]): string {
  const rows = untrusted.map((r) => r.map(oneLine));
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n');
}
