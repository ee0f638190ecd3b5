/**
 * Message templates: one YAML file per template under templates/, each with a subject, a plain
 * text body and an optional HTML body, written in Handlebars. Rendering is strict: a variable
 * that the context does not have is an error, never a blank in a message.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import { z } from 'zod';
import { FileProblems, loadYamlFile, type FileProblem } from '../config/yaml-file';

export const TemplateFile = z
  .object({
    description: z.string().optional(),
    subject: z.string().min(1),
    text: z.string().min(1),
    html: z.string().optional(),
  })
  .strict();

export interface Template {
  id: string;
  file: string;
  source: z.infer<typeof TemplateFile>;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html?: string;
}

const hbs = Handlebars.create();
hbs.registerHelper('upper', (s: unknown) => String(s ?? '').toUpperCase());
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);

export function loadTemplates(dir: string): Map<string, Template> {
  const templates = new Map<string, Template>();
  const problems: FileProblem[] = [];
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const file = join(dir, name);
    try {
      const source = loadYamlFile(file, TemplateFile);
      for (const part of ['subject', 'text', 'html'] as const) {
        const text = source[part];
        if (text === undefined) continue;
        try {
          hbs.precompile(text);
        } catch (err) {
          problems.push({
            file,
            field: part,
            reason: `template syntax: ${(err as Error).message.split('\n')[0]}`,
          });
        }
      }
      templates.set(basename(name, '.yaml'), { id: basename(name, '.yaml'), file, source });
    } catch (err) {
      if (err instanceof FileProblems) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length) throw new FileProblems(problems);
  return templates;
}

export function renderTemplate(template: Template, context: object): RenderedMessage {
  const render = (text: string, escape: boolean) =>
    hbs.compile(text, { strict: true, noEscape: !escape })(context).trim();
  try {
    return {
      subject: render(template.source.subject, false).replace(/\s+/g, ' '),
      text: render(template.source.text, false),
      html: template.source.html === undefined ? undefined : render(template.source.html, true),
    };
  } catch (err) {
    throw new Error(`template ${template.id}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
}
