/**
 * YAML files checked against a zod schema, with every problem reported as
 * `file:line  field: reason` so a person can go straight to it.
 */
import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';

export interface FileProblem {
  file: string;
  line?: number;
  /** Dotted path inside the document, e.g. `steps.2.template`. */
  field: string;
  reason: string;
}

export function formatProblem(p: FileProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}  ${p.field || '(document)'}: ${p.reason}`;
}

export class FileProblems extends Error {
  constructor(readonly problems: FileProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'FileProblems';
  }
}

export interface ParsedYaml {
  file: string;
  document: Document;
  /** Line of the node at a path, or of its nearest ancestor that exists. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

export function parseYamlText(file: string, text: string): ParsedYaml | FileProblem[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length) {
    return document.errors.map((err) => ({
      file,
      line: lineCounter.linePos(err.pos[0]).line,
      field: '',
      reason: err.message.split('\n')[0] ?? err.message,
    }));
  }
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = document.getIn(path.slice(0, depth) as unknown[], true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return { file, document, lineOf };
}

/** Problems from a zod error, each placed at the line of the field it names. */
export function schemaProblems(parsed: ParsedYaml, error: z.ZodError): FileProblem[] {
  return error.issues.map((issue) => {
    const reason =
      issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message;
    return { file: parsed.file, line: parsed.lineOf(issue.path), field: issue.path.join('.'), reason };
  });
}

/** Reads, parses and validates a YAML file; throws FileProblems listing everything wrong. */
export function loadYamlFile<S extends z.ZodType>(file: string, schema: S): z.infer<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FileProblems([
      { file, field: '', reason: `cannot read: ${(err as NodeJS.ErrnoException).code ?? err}` },
    ]);
  }
  const parsed = parseYamlText(file, text);
  if (Array.isArray(parsed)) throw new FileProblems(parsed);
  const result = schema.safeParse(parsed.document.toJS());
  if (!result.success) throw new FileProblems(schemaProblems(parsed, result.error));
  return result.data;
}
