/**
 * Templates for key accounts (templates/salesforce/): the Case and Chatter text and the
 * procurement letter. They speak about an account and the vendor-assessment pack, which the
 * incident message context (comms/context.ts) does not have, so they live in their own folder
 * with their own context. Each is rendered once with a sample context when loaded: a misspelt
 * variable fails the load, naming file and part, not a message at 3 a.m.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { renderTemplate, templateEngine } from '../lib/handlebars';
import { oneLine, printableText } from '../lib/printable';
import { z } from 'zod';
import { FileProblems, loadYamlFile, type FileProblem } from '../lib/yaml-file';

export const SalesforceTemplateFile = z
  .object({
    description: z.string().optional(),
    subject: z.string().min(1),
    text: z.string().min(1),
    html: z.string().optional(),
  })
  .strict();

export interface KeyAccountContext {
  incident: {
    id: string;
    title: string;
    pattern: string;
    severity: string;
    region: string;
    euPersonalData: boolean;
    description: string | null;
  };
  account: { name: string; owner: string | null };
  /** For letters to a person (procurement contacts). */
  recipient: { name: string } | null;
  /** The documents attached (procurement pack). */
  pack: { files: string[] } | null;
}

export interface SalesforceTemplate {
  id: string;
  file: string;
  source: z.infer<typeof SalesforceTemplateFile>;
}

const CONTEXT_VARIABLES =
  'incident.{id,title,pattern,severity,region,euPersonalData,description}, account.{name,owner}, recipient.name, pack.files';

const SAMPLE: KeyAccountContext = {
  incident: {
    id: 'lockout-sample',
    title: 'Sample lockout',
    pattern: 'certificate-chain',
    severity: 'sev1',
    region: 'eu',
    euPersonalData: true,
    description: 'sample description',
  },
  account: { name: 'Sample Account', owner: 'Sample Owner' },
  recipient: { name: 'Sample Recipient' },
  pack: { files: ['sample.pdf'] },
};

export function renderKeyAccountTemplate(
  template: SalesforceTemplate,
  context: KeyAccountContext,
): { subject: string; text: string; html?: string } {
  const render = (text: string, escape: boolean) => renderTemplate(text, context, escape);
  try {
    return {
      subject: oneLine(render(template.source.subject, false)).replace(/\s+/g, ' '),
      text: printableText(render(template.source.text, false)),
      html:
        template.source.html === undefined ? undefined : printableText(render(template.source.html, true)),
    };
  } catch (err) {
    throw new Error(`template ${template.id}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
}

/** Every template of the folder, each checked by a sample rendering; throws FileProblems. */
export function loadSalesforceTemplates(dir: string): Map<string, SalesforceTemplate> {
  const templates = new Map<string, SalesforceTemplate>();
  const problems: FileProblem[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new FileProblems([
      { file: dir, field: '', reason: `cannot read: ${(err as NodeJS.ErrnoException).code}` },
    ]);
  }
  const files = names
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
  for (const file of files) {
    try {
      const template = {
        id: basename(file, '.yaml'),
        file,
        source: loadYamlFile(file, SalesforceTemplateFile),
      };
      for (const part of ['subject', 'text', 'html'] as const) {
        const body = template.source[part];
        if (body === undefined) continue;
        try {
          templateEngine.compile(body, { strict: true })(SAMPLE);
        } catch (err) {
          const why = (err as Error).message.split('\n')[0] ?? String(err);
          problems.push({ file, field: part, reason: `${why}: the context has only ${CONTEXT_VARIABLES}` });
        }
      }
      templates.set(template.id, template);
    } catch (err) {
      if (err instanceof FileProblems) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length) throw new FileProblems(problems);
  return templates;
}
