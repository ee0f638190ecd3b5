/**
 * `lockout classify <alert.json>`: what the gateway would make of an alert, without sending it:
 * the normalised alerts, the rules that matched, the pattern, severity, region and runbook, and
 * the incident each would open or join. Reads the rules and runbooks; needs no Temporal server.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { loadClassification } from '../../intake/classification-file';
import { ConfigError, loadConfig } from '../../config/env';
import { loadRunbooks } from '../../intake/runbooks-file';
import { FileProblems } from '../../lib/yaml-file';
import { chooseRunbook } from '../../intake/choose-runbook';
import { classify, type Classified } from '../../intake/classify';
import { incidentIdFor } from '../../client/ids';
import { AlertRejected, SOURCE_KINDS, type SourceKind } from '../../intake/source-alert';
import { ALERT_FORMATS, detectFormat } from '../../intake/sources';
import { CliError, emit, table } from '../output';

interface ClassifyOptions {
  source?: SourceKind;
  rules?: string;
  json?: boolean;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file}: not JSON (${(err as Error).message})`, 2);
  }
}

function human(
  source: SourceKind,
  detected: boolean,
  rulesFile: string,
  rows: ReturnType<typeof describe>[],
): string {
  const lines = [
    `Format: ${ALERT_FORMATS[source].title}${detected ? ' (detected; --source to choose)' : ''}`,
    `Rules:  ${rulesFile}`,
  ];
  rows.forEach((row, i) => {
    lines.push('', `Alert ${i + 1} of ${rows.length}: "${row.title}" (${row.status})`);
    // "(rule certificate-chain, on event.commonAnnotations.description)": what decided, and where.
    const from = (field: keyof Classified['provenance']) => {
      const origin = row.provenance[field];
      if (!origin) return '';
      const rule = origin.startsWith('rule ') ? origin.slice(5) : undefined;
      const where = rule ? row.evidence[rule]?.filter((p) => p !== 'kind') : undefined;
      return `  (${origin}${where?.length ? `, on ${where.join(', ')}` : ''})`;
    };
    lines.push(
      table([
        [
          '  incident',
          `${row.incidentId}  (${row.status === 'firing' ? 'opens or joins' : 'joins only if running'})`,
        ],
        [
          '  labels',
          Object.entries(row.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ') || '(none)',
        ],
        ['  rules', row.matched.join(', ') || '(none matched)'],
        ['  pattern', `${row.pattern}${from('pattern')}`],
        [
          '  severity',
          `${row.severity ?? `${row.runbookSeverity} (the runbook's default)`}${from('severity')}`,
        ],
        ['  region', `${row.region}${from('region')}`],
        ['  EU personal data', `${row.euPersonalData ? 'yes' : 'no'}${from('euPersonalData')}`],
        [
          '  runbook',
          `${row.runbook}${row.provenance.runbook ? `  (${row.provenance.runbook})` : '  (by pattern)'}`,
        ],
      ]),
    );
    if (row.note) lines.push(`  NOTE: ${row.note}`);
  });
  return lines.join('\n');
}

function describe(c: Classified, runbooks: ReturnType<typeof loadRunbooks>) {
  const choice = chooseRunbook(
    runbooks.map((r) => r.runbook),
    c.alert.pattern,
    c.runbookId,
  );
  return {
    incidentId: incidentIdFor(c.alert.fingerprint),
    fingerprint: c.alert.fingerprint,
    status: c.alert.status,
    title: c.alert.title,
    source: c.alert.source,
    labels: c.alert.labels,
    matched: c.matched,
    /** Per matched rule, the fields that decided it. */
    evidence: c.evidence,
    pattern: c.alert.pattern,
    severity: c.alert.severity,
    region: c.alert.region,
    euPersonalData: c.alert.euPersonalData ?? false,
    runbook: choice.runbook.id,
    runbookSeverity: choice.runbook.severity,
    provenance: c.provenance,
    ...(choice.note ? { note: choice.note } : {}),
  };
}

export function classifyCommand(): Command {
  return new Command('classify')
    .description(
      'Show what the gateway would make of an alert (format, rules, pattern, runbook), sending nothing',
    )
    .argument('<alert.json>', 'a payload as a source sends it: Alertmanager, PagerDuty, Datadog or generic')
    .addOption(
      new Option('--source <format>', 'the payload format (default: detected)').choices(SOURCE_KINDS),
    )
    .option(
      '--rules <file>',
      'classification rules (default: LOCKOUT_CLASSIFICATION or config/classification.yaml)',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  lockout classify alertmanager-webhook.json\n' +
        '  lockout classify event.json --source pagerduty --rules my-rules.yaml --json',
    )
    .action((file: string, opts: ClassifyOptions) => {
      const config = loadConfig();
      const rulesFile = opts.rules ?? config.gateway.classificationFile;
      let rules, runbooks;
      try {
        rules = loadClassification(rulesFile);
        runbooks = loadRunbooks(config.runbooksDir);
      } catch (err) {
        if (err instanceof FileProblems || err instanceof ConfigError) throw new CliError(err.message);
        throw err;
      }
      const body = readJson(file);
      const source = opts.source ?? detectFormat(body);
      let payload;
      try {
        payload = ALERT_FORMATS[source].parse(body);
      } catch (err) {
        if (err instanceof AlertRejected)
          throw new CliError(
            `${file}: not a valid ${ALERT_FORMATS[source].title}:\n  ${err.problems.join('\n  ')}`,
            2,
          );
        throw err;
      }
      const rows = payload.alerts.map((a) => describe(classify(rules, a), runbooks));
      emit(opts.json, { format: source, detected: !opts.source, rules: rulesFile, alerts: rows }, () =>
        human(source, !opts.source, rulesFile, rows),
      );
    });
}
