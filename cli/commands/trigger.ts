import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { PATTERNS, REGIONS, SEVERITIES } from '../../domain/alert';
import { webUiLink } from '../../config/env';
import { AlertRejected, parseGenericAlert } from '../../intake/alerts';
import { openOrJoinIncident } from '../../client/open-incident';
import { CliError, emit } from '../output';
import type { CliServices } from '../services';
import { withClient } from '../temporal';

interface TriggerOptions {
  file?: string;
  title?: string;
  pattern?: string;
  severity?: string;
  region?: string;
  fingerprint?: string;
  source: string;
  description?: string;
  euPersonalData?: boolean;
  label: string[];
  json?: boolean;
}

function readAlertFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`--file ${file}: cannot read (${(err as NodeJS.ErrnoException).code})`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new CliError(`--file ${file}: not a JSON alert object (${(err as Error).message})`);
  }
}

function labels(pairs: string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new CliError(`--label ${pair}: must be key=value`);
    result[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return result;
}

export function triggerCommand(services: CliServices): Command {
  return new Command('trigger')
    .description(
      'Send an alert: opens a lockout incident, or joins the running one with the same fingerprint',
    )
    .option('-f, --file <alert.json>', 'an alert in the generic JSON format (flags override its fields)')
    .option('-t, --title <text>', 'what is wrong, e.g. "Salesforce API certificate chain invalid"')
    .addOption(new Option('-p, --pattern <pattern>', 'failure pattern').choices(PATTERNS))
    .addOption(
      new Option('-s, --severity <severity>', "severity (default: the runbook's)").choices(SEVERITIES),
    )
    .addOption(new Option('-r, --region <region>', 'affected region (default: global)').choices(REGIONS))
    .option(
      '--fingerprint <id>',
      'groups alerts into one incident (default: derived from source, pattern, region, title)',
    )
    .option('--source <name>', 'who raised the alert', 'cli')
    .option('--description <text>', 'details for responders')
    .option('--eu-personal-data', 'EU personal data is affected (starts the GDPR clock)')
    .option('--label <key=value>', 'a label; repeatable', (v: string, all: string[]) => [...all, v], [])
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  lockout trigger --title "Certificate chain invalid" --pattern certificate-chain --severity sev1 --region eu\n' +
        '  lockout trigger --file alert.json',
    )
    .action(async (opts: TriggerOptions) => {
      const alert: Record<string, unknown> = opts.file ? readAlertFile(opts.file) : {};
      const fromFlags = {
        title: opts.title,
        pattern: opts.pattern,
        severity: opts.severity,
        region: opts.region,
        fingerprint: opts.fingerprint,
        description: opts.description,
        euPersonalData: opts.euPersonalData,
      };
      for (const [key, value] of Object.entries(fromFlags)) if (value !== undefined) alert[key] = value;
      if (!opts.file || opts.source !== 'cli') alert.source = opts.source;
      if (opts.label.length) alert.labels = { ...(alert.labels as object), ...labels(opts.label) };
      if (alert.title === undefined)
        throw new CliError('--title is required (or a --file with a "title")', 2);

      let parsed;
      try {
        parsed = parseGenericAlert(alert);
      } catch (err) {
        if (err instanceof AlertRejected) throw new CliError(err.message, 2);
        throw err;
      }
      const result = await withClient((client, config) =>
        openOrJoinIncident(services.intake(config, client), parsed).then((r) => ({
          ...r,
          webUi: webUiLink(config, r.incidentId),
        })),
      );
      emit(opts.json, result, () =>
        [
          `Incident ${result.incidentId} (runbook ${result.runbook}) has the alert.`,
          `  Web UI: ${result.webUi}`,
          `  Status: lockout status ${result.incidentId}`,
        ].join('\n'),
      );
    });
}
