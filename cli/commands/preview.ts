import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { messageContext } from '../../comms/context';
import { loadDirectory, resolveTarget, type Recipient } from '../../comms/directory';
import { previewStatus } from '../../comms/preview';
import { loadTemplates, renderTemplate, type RenderedMessage } from '../../comms/templates';
import { loadConfig, webUiLink } from '../../config/env';
import { loadRunbooks } from '../../intake/runbooks-file';
import { FileProblems } from '../../lib/yaml-file';
import type { IncidentStatus } from '../../domain/incident';
import { selectRunbook } from '../../domain/select-runbook';
import { AlertRejected, parseGenericAlert } from '../../intake/alerts';
import { statusOrResult } from '../../client/status';
import { CliError, emit } from '../output';
import { incidentId, withClient } from '../temporal';

interface PreviewOptions {
  incident?: string;
  facts: string[];
  factsFile?: string;
  recipient?: string;
  format: 'text' | 'html' | 'sms';
  json?: boolean;
}

/** `--facts title=… pattern=… euPersonalData=true labels.data-subjects=1200` as an alert object. */
function factsFromPairs(pairs: string[]): Record<string, unknown> {
  const facts: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new CliError(`--facts ${pair}: must be key=value, e.g. title="Token expired"`, 2);
    const [key, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
    if (key.startsWith('labels.')) labels[key.slice(7)] = value;
    else if (key === 'euPersonalData') {
      if (value !== 'true' && value !== 'false')
        throw new CliError(`--facts ${pair}: euPersonalData must be true or false`, 2);
      facts[key] = value === 'true';
    } else facts[key] = value;
  }
  if (Object.keys(labels).length) facts.labels = labels;
  return facts;
}

function readFactsFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new CliError(
      `--facts-file ${file}: ${e.code ? `cannot read (${e.code})` : `not JSON (${e.message})`}`,
      2,
    );
  }
}

function orFileProblems<T>(what: string, load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof FileProblems) throw new CliError(`${what} has problems:\n${err.message}`);
    throw err;
  }
}

export function previewCommand(): Command {
  return new Command('preview')
    .description('Render a message template for review, from a running incident or from facts')
    .argument('<template>', 'template id, e.g. ops-technical-alert (a file under templates/)')
    .option('--incident <id>', 'render with the live status of this incident')
    .option(
      '--facts <key=value>',
      'an incident fact (title, pattern, severity, region, euPersonalData, source, description, labels.<name>); repeatable',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--facts-file <file.json>', 'facts as a JSON object, in the generic alert format')
    .option(
      '--recipient <target>',
      'render for these recipients: audience, person:…, rota:…, an email or phone',
    )
    .addOption(
      new Option('--format <format>', 'which part to print').choices(['text', 'html', 'sms']).default('text'),
    )
    .option('--json', 'print every part as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  lockout preview ops-technical-alert --facts title="Certificate chain invalid" --facts pattern=certificate-chain\n' +
        '  lockout preview compliance-status-report --incident sf-cert-chain-prod --recipient compliance --format html',
    )
    .action(async (id: string, opts: PreviewOptions) => {
      const sources = [opts.incident, opts.facts.length ? 'facts' : undefined, opts.factsFile].filter(
        Boolean,
      );
      if (sources.length !== 1)
        throw new CliError('give exactly one of --incident, --facts or --facts-file', 2);
      const config = loadConfig();
      const templates = orFileProblems('templates', () => loadTemplates(config.templatesDir));
      const template = templates.get(id);
      if (!template)
        throw new CliError(`unknown template "${id}" (known: ${[...templates.keys()].join(', ')})`, 2);
      const directory = orFileProblems('directory', () => loadDirectory(config.directoryFile));
      const now = new Date().toISOString();

      let status: IncidentStatus;
      if (opts.incident) {
        status = await withClient(async (client) => {
          const found = await statusOrResult(client, incidentId(opts.incident!));
          if ('status' in found) return found.status;
          throw new CliError(
            `incident ${incidentId(opts.incident!)} ended ${found.ended}: nothing to preview`,
          );
        });
      } else {
        const raw = opts.factsFile
          ? readFactsFile(opts.factsFile)
          : { title: 'Preview incident', ...factsFromPairs(opts.facts) };
        let alert;
        try {
          alert = parseGenericAlert(raw);
        } catch (err) {
          if (err instanceof AlertRejected) throw new CliError(`facts: ${err.message}`, 2);
          throw err;
        }
        const runbooks = orFileProblems('runbooks', () => loadRunbooks(config.runbooksDir)).map(
          (r) => r.runbook,
        );
        status = previewStatus(alert, selectRunbook(runbooks, alert.pattern), now);
      }

      let recipients: Recipient[] = [{ id: 'preview', name: 'Preview Recipient', timezone: 'UTC' }];
      if (opts.recipient) {
        try {
          recipients = resolveTarget(directory, opts.recipient, now);
        } catch (err) {
          throw new CliError(`--recipient ${opts.recipient}: ${(err as Error).message}`, 2);
        }
      }
      const links = { webUi: webUiLink(config, status.incidentId) };
      const rendered: Array<{ recipient: string } & RenderedMessage> = recipients.map((recipient) => {
        try {
          const context = messageContext(status, recipient, { links, directory, asOf: now });
          return { recipient: recipient.id, ...renderTemplate(template, context) };
        } catch (err) {
          throw new CliError((err as Error).message);
        }
      });
      emit(opts.json, rendered, () =>
        rendered
          .map((m) => {
            const header = recipients.length > 1 ? `=== for ${m.recipient}\n` : '';
            if (opts.format === 'sms') {
              if (!m.sms) throw new CliError(`template ${id} has no sms text`);
              return `${header}${m.sms}`;
            }
            if (opts.format === 'html') {
              if (!m.html) throw new CliError(`template ${id} has no html part`);
              return `${header}${m.html}`;
            }
            return `${header}Subject: ${m.subject}\n\n${m.text}`;
          })
          .join('\n\n'),
      );
    });
}
