/**
 * Message templates: one YAML file per audience and phase under templates/, each with a subject,
 * a plain-text body, an optional HTML body and a short `sms` text (SMS and voice calls), written
 * in Handlebars. Templates are checked when loaded (syntax, and every variable against the
 * message context), and rendered strictly: never a blank where a fact should be.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { renderTemplate as renderText } from '../lib/handlebars';
import { oneLine, printableText } from '../lib/printable';
import { isScalar } from 'yaml';
import { z } from 'zod';
import { FileProblems, parseYamlText, schemaProblems, type FileProblem } from '../lib/yaml-file';
import { MessageContext } from './context';
import { templateVariableProblems } from './template-check';

export const TEMPLATE_PARTS = ['subject', 'text', 'html', 'sms'] as const;
export type TemplatePart = (typeof TEMPLATE_PARTS)[number];

export const TemplateFile = z
  .object({
    description: z.string().optional(),
    subject: z.string().min(1),
    text: z.string().min(1),
    html: z.string().optional(),
    /** One or two sentences for SMS and voice: what happened and what to do. */
    sms: z.string().min(1).optional(),
    /**
     * Facts this template can only be sent with, e.g. `resolution` for a resolution notice:
     * the checker lets the template use them freely, and rendering refuses without them.
     */
    requires: z
      .array(z.enum(['resolution', 'gdpr.window', 'about.approval', 'about.clock', 'alertsResolved']))
      .default([]),
  })
  .strict();
export type TemplateFile = z.infer<typeof TemplateFile>;

export interface Template {
  id: string;
  file: string;
  source: TemplateFile;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html?: string;
  sms?: string;
}

/** Where a template part starts in its file, so problems point at the right line. */
function partLines(file: string, text: string): Partial<Record<TemplatePart, (line: number) => number>> {
  const parsed = parseYamlText(file, text);
  if (Array.isArray(parsed)) return {};
  const lines: Partial<Record<TemplatePart, (line: number) => number>> = {};
  for (const part of TEMPLATE_PARTS) {
    const node = parsed.document.get(part, true);
    const at = parsed.lineOf([part]);
    if (!at) continue;
    const block = isScalar(node) && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED');
    lines[part] = (line) => (block ? at + line : at);
  }
  return lines;
}

/** Every problem of one template file: YAML, schema, Handlebars syntax, variables. */
export function templateFileProblems(file: string): { template?: Template; problems: FileProblem[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { problems: [{ file, field: '', reason: `cannot read: ${(err as NodeJS.ErrnoException).code}` }] };
  }
  const parsed = parseYamlText(file, text);
  if (Array.isArray(parsed)) return { problems: parsed };
  const result = TemplateFile.safeParse(parsed.document.toJS());
  if (!result.success) return { problems: schemaProblems(parsed, result.error) };
  const source = result.data;
  const lines = partLines(file, text);
  const problems: FileProblem[] = [];
  for (const part of TEMPLATE_PARTS) {
    const body = source[part];
    if (body === undefined) continue;
    for (const p of templateVariableProblems(body, MessageContext, source.requires)) {
      problems.push({
        file,
        line: lines[part]?.(p.line),
        field: part,
        reason: p.variable ? `{{${p.variable}}}: ${p.reason}` : p.reason,
      });
    }
  }
  const id = basename(file).replace(/\.ya?ml$/, '');
  return { template: problems.length ? undefined : { id, file, source }, problems };
}

function templateFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f));
}

/** Problems of every template in a directory (empty when all are good): for `lockout validate`. */
export function checkTemplates(dir: string): FileProblem[] {
  try {
    return templateFiles(dir).flatMap((file) => templateFileProblems(file).problems);
  } catch (err) {
    return [{ file: dir, field: '', reason: `cannot read: ${(err as NodeJS.ErrnoException).code ?? err}` }];
  }
}

/** Loads every template; throws FileProblems naming each problem if any template is broken. */
export function loadTemplates(dir: string): Map<string, Template> {
  const templates = new Map<string, Template>();
  const problems: FileProblem[] = [];
  for (const file of templateFiles(dir)) {
    const checked = templateFileProblems(file);
    problems.push(...checked.problems);
    if (checked.template) templates.set(checked.template.id, checked.template);
  }
  if (problems.length) throw new FileProblems(problems);
  return templates;
}

export class TemplateError extends Error {
  override name = 'TemplateError';
}

export function renderTemplate(template: Template, context: MessageContext): RenderedMessage {
  for (const path of template.source.requires) {
    const value = path
      .split('.')
      .reduce<unknown>((v, k) => (v as Record<string, unknown> | null)?.[k], context);
    if (value === null || value === undefined)
      throw new TemplateError(`template ${template.id} needs ${path}, which this incident does not have yet`);
  }
  const render = (text: string, escape: boolean) => renderText(text, context, escape);
  const { source } = template;
  try {
    return {
      // Alert text is untrusted: no control or bidi characters in a header, an SMS or plain text.
      subject: oneLine(render(source.subject, false)).replace(/\s+/g, ' '),
      text: printableText(render(source.text, false)),
      html: source.html === undefined ? undefined : printableText(render(source.html, true)),
      sms: source.sms === undefined ? undefined : oneLine(render(source.sms, false)).replace(/\s+/g, ' '),
    };
  } catch (err) {
    throw new TemplateError(`template ${template.id}: ${(err as Error).message.split('\n')[0]}`, {
      cause: err,
    });
  }
}
