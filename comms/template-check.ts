/**
 * Finds every variable a template uses that a message context cannot have, or may not have,
 * by walking the Handlebars syntax tree against the context schema. A misspelt variable, or
 * `{{resolution.by}}` in a message that can go out before resolution, is found by
 * `lockout validate`, not by a responder reading a blank at 3 a.m.
 */
import Handlebars from 'handlebars';
import { z } from 'zod';

type Node = hbs.AST.Node;
type Expression = hbs.AST.Expression;
type Program = hbs.AST.Program;

export interface VariableProblem {
  /** 1-based line and column inside the template text. */
  line: number;
  column: number;
  variable: string;
  reason: string;
}

/** Helpers registered for templates (comms/templates.ts); the checker must know their names. */
export const HELPERS = {
  /** Helpers whose arguments may be null (they test or replace emptiness). */
  nullSafe: ['if', 'unless', 'with', 'or', 'eq'],
  inline: ['upper', 'eq', 'or', 'time', 'yesno'],
  block: ['if', 'unless', 'with', 'each'],
};

interface Frame {
  shape: z.ZodType;
  /** Absolute path of this frame's value, for narrowing (`timeline[]`, `resolution`). */
  path: string;
  /** Inside #each: @index, @key, @first, @last are defined. */
  iterating: boolean;
}

const unwrap = (s: z.ZodType): z.ZodType =>
  s instanceof z.ZodNullable ? unwrap(s.unwrap() as z.ZodType) : s;

/**
 * @param source    template text
 * @param root      the context schema (MessageContext)
 * @param requires  nullable paths the template may treat as present (its `requires:`)
 */
export function templateVariableProblems(
  source: string,
  root: z.ZodType,
  requires: string[] = [],
): VariableProblem[] {
  const problems: VariableProblem[] = [];
  let program: Program;
  try {
    program = Handlebars.parse(source);
  } catch (err) {
    const m = /line (\d+)/.exec((err as Error).message);
    return [
      {
        line: Number(m?.[1] ?? 1),
        column: 1,
        variable: '',
        reason: `syntax: ${(err as Error).message.split('\n')[0]}`,
      },
    ];
  }
  const report = (node: Node, variable: string, reason: string) =>
    problems.push({
      line: node.loc?.start.line ?? 1,
      column: (node.loc?.start.column ?? 0) + 1,
      variable,
      reason,
    });

  /** The schema a path points at, or undefined after reporting why it cannot be used. */
  function resolve(
    expr: hbs.AST.PathExpression,
    frames: Frame[],
    narrowed: Set<string>,
    nullOk: boolean,
  ): z.ZodType | undefined {
    const name = expr.original;
    if (expr.data) {
      const [head, ...rest] = expr.parts;
      if (head === 'root')
        return walk(expr, { shape: root, path: '', iterating: false }, rest, narrowed, nullOk);
      const frame = frames[frames.length - 1 - expr.depth];
      if (!frame?.iterating || !['index', 'key', 'first', 'last'].includes(head ?? '')) {
        report(expr, name, `@${head} is only defined inside {{#each}}`);
        return undefined;
      }
      return z.string();
    }
    const frame = frames[frames.length - 1 - expr.depth];
    if (!frame) {
      report(expr, name, `"../" goes above the top of the message context`);
      return undefined;
    }
    return walk(expr, frame, expr.parts, narrowed, nullOk);
  }

  function walk(expr: Node, frame: Frame, parts: string[], narrowed: Set<string>, nullOk: boolean) {
    const name = (expr as hbs.AST.PathExpression).original;
    let shape = frame.shape;
    let path = frame.path;
    for (const part of parts) {
      if (shape instanceof z.ZodNullable && !narrowed.has(path)) {
        report(
          expr,
          name,
          `${path} may be missing for an incident: wrap it in {{#if ${path}}} or {{#with ${path}}}`,
        );
        return undefined;
      }
      shape = unwrap(shape);
      const parent = path || 'the message';
      path = path ? `${path}.${part}` : part;
      if (shape instanceof z.ZodObject) {
        const next = (shape.shape as Record<string, z.ZodType>)[part];
        if (!next) {
          report(expr, name, `${parent} has no "${part}" (it has: ${Object.keys(shape.shape).join(', ')})`);
          return undefined;
        }
        shape = next;
      } else if (shape instanceof z.ZodArray && part === 'length') {
        shape = z.number();
      } else if (shape instanceof z.ZodRecord) {
        report(
          expr,
          name,
          `${parent} varies per incident: iterate it with {{#each}} instead of naming "${part}"`,
        );
        return undefined;
      } else {
        report(expr, name, `${parent} is not an object: it has no "${part}"`);
        return undefined;
      }
    }
    if (shape instanceof z.ZodNullable && !narrowed.has(path) && !nullOk) {
      report(
        expr,
        name,
        `${path} may be empty for an incident: wrap it in {{#if ${path}}}…{{/if}} or use {{or ${path} "…"}}`,
      );
      return undefined;
    }
    return shape;
  }

  function absolute(expr: Expression, frames: Frame[]): string | undefined {
    if (expr.type !== 'PathExpression') return undefined;
    const p = expr as hbs.AST.PathExpression;
    if (p.data) return undefined;
    const frame = frames[frames.length - 1 - p.depth];
    return frame ? [frame.path, ...p.parts].filter(Boolean).join('.') : undefined;
  }

  function value(
    expr: Expression,
    frames: Frame[],
    narrowed: Set<string>,
    nullOk: boolean,
  ): z.ZodType | undefined {
    if (expr.type === 'PathExpression')
      return resolve(expr as hbs.AST.PathExpression, frames, narrowed, nullOk);
    if (expr.type === 'SubExpression') {
      call(expr as hbs.AST.SubExpression, frames, narrowed);
      return z.string();
    }
    return z.string(); // literals
  }

  function call(
    node: hbs.AST.MustacheStatement | hbs.AST.SubExpression,
    frames: Frame[],
    narrowed: Set<string>,
  ) {
    const helper = (node.path as hbs.AST.PathExpression).original;
    if (!HELPERS.inline.includes(helper)) {
      report(node, helper, `unknown helper "${helper}" (known: ${HELPERS.inline.join(', ')})`);
      return;
    }
    const nullOk = HELPERS.nullSafe.includes(helper);
    for (const p of node.params) value(p, frames, narrowed, nullOk);
    for (const pair of node.hash?.pairs ?? []) value(pair.value, frames, narrowed, nullOk);
  }

  function visit(prog: Program | undefined, frames: Frame[], narrowed: Set<string>): void {
    for (const node of prog?.body ?? []) statement(node, frames, narrowed);
  }

  function statement(node: hbs.AST.Statement, frames: Frame[], narrowed: Set<string>): void {
    switch (node.type) {
      case 'MustacheStatement': {
        const m = node as hbs.AST.MustacheStatement;
        if (m.params.length || m.hash?.pairs.length) call(m, frames, narrowed);
        else value(m.path as Expression, frames, narrowed, false);
        return;
      }
      case 'BlockStatement': {
        const b = node as hbs.AST.BlockStatement;
        const helper = (b.path as hbs.AST.PathExpression).original;
        const [subject] = b.params;
        if (!HELPERS.block.includes(helper) || !subject || b.params.length !== 1) {
          report(b, helper, `unknown block "${helper}" (use #if, #unless, #with or #each with one argument)`);
          return;
        }
        const shape = value(subject, frames, narrowed, true);
        if (!shape) return;
        const at = absolute(subject, frames);
        const withIt = (set: Set<string>) => (at === undefined ? set : new Set([...set, at]));
        if (helper === 'if' || helper === 'unless') {
          visit(b.program, frames, helper === 'if' ? withIt(narrowed) : narrowed);
          visit(b.inverse, frames, helper === 'unless' ? withIt(narrowed) : narrowed);
        } else if (helper === 'with') {
          visit(
            b.program,
            [...frames, { shape: unwrap(shape), path: at ?? '', iterating: false }],
            withIt(narrowed),
          );
          visit(b.inverse, frames, narrowed);
        } else {
          const list = unwrap(shape);
          const item =
            list instanceof z.ZodArray
              ? (list.element as z.ZodType)
              : list instanceof z.ZodRecord
                ? (list.valueType as z.ZodType)
                : undefined;
          if (!item) {
            report(b, at ?? helper, `{{#each}} needs a list, and ${at} is not one`);
            return;
          }
          visit(b.program, [...frames, { shape: item, path: `${at}[]`, iterating: true }], narrowed);
          visit(b.inverse, frames, narrowed);
        }
        return;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement':
      case 'DecoratorBlock':
        report(node, '', 'partials and decorators are not available in message templates');
        return;
      default:
        return; // text and comments
    }
  }

  visit(program, [{ shape: root, path: '', iterating: false }], new Set(requires));
  return problems;
}
