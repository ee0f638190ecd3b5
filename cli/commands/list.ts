import { incidentsQuery } from '../../client/ids';
import { Command, Option } from 'commander';
import { PATTERNS, REGIONS, SEVERITIES } from '../../domain/alert';
import { PHASES } from '../../domain/runbook';
import * as sa from '../../domain/search-attributes';
import { CliError, emit, table } from '../output';
import { withClient } from '../temporal';

interface ListOptions {
  all?: boolean;
  pattern?: string;
  severity?: string;
  region?: string;
  phase?: string;
  limit: string;
  json?: boolean;
}

/** Values come from choices(), so quoting them in the visibility query is safe. */
export function visibilityQuery(opts: Omit<ListOptions, 'limit' | 'json'>): string {
  const clauses: string[] = [];
  if (opts.pattern) clauses.push(`${sa.PATTERN.name} = '${opts.pattern}'`);
  if (opts.severity) clauses.push(`${sa.SEVERITY.name} = '${opts.severity}'`);
  if (opts.region) clauses.push(`${sa.REGION.name} = '${opts.region}'`);
  if (opts.phase) clauses.push(`${sa.PHASE.name} = '${opts.phase}'`);
  return incidentsQuery({ running: !opts.all, extra: clauses });
}

export function listCommand(): Command {
  return new Command('list')
    .description('List open incidents (newest first), from Temporal visibility')
    .option('-a, --all', 'include resolved and closed incidents')
    .addOption(new Option('--pattern <pattern>').choices(PATTERNS))
    .addOption(new Option('--severity <severity>').choices(SEVERITIES))
    .addOption(new Option('--region <region>').choices(REGIONS))
    .addOption(new Option('--phase <phase>').choices(PHASES))
    .option('--limit <n>', 'at most this many (stderr says how many more there are)', '50')
    .option('--json', 'print the incidents as JSON')
    .action(async (opts: ListOptions) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new CliError(`--limit ${opts.limit}: must be a positive integer`, 2);
      const { incidents, total } = await withClient(async (client) => {
        const query = visibilityQuery(opts);
        const found = [];
        for await (const wf of client.workflow.list({ query })) {
          const attrs = wf.typedSearchAttributes;
          found.push({
            incidentId: wf.workflowId,
            status: wf.status.name,
            startTime: wf.startTime.toISOString(),
            severity: attrs.get(sa.SEVERITY) ?? null,
            pattern: attrs.get(sa.PATTERN) ?? null,
            region: attrs.get(sa.REGION) ?? null,
            phase: attrs.get(sa.PHASE) ?? null,
            escalationLevel: attrs.get(sa.ESCALATION_LEVEL) ?? null,
          });
          if (found.length >= limit) break;
        }
        // Never cut the list silently: say how many the limit left out.
        const total = found.length < limit ? found.length : (await client.workflow.count(query)).count;
        return { incidents: found, total };
      });
      emit(opts.json, incidents, () => {
        if (!incidents.length)
          return opts.all ? 'No incidents.' : 'No open incidents. (--all shows closed ones too)';
        return table([
          ['INCIDENT', 'SEV', 'PATTERN', 'REGION', 'PHASE', 'LEVEL', 'STARTED', 'STATUS'],
          ...incidents.map((i) => [
            i.incidentId,
            i.severity ?? '-',
            i.pattern ?? '-',
            i.region ?? '-',
            i.phase ?? '-',
            String(i.escalationLevel ?? '-'),
            i.startTime.replace('T', ' ').slice(0, 19),
            i.status,
          ]),
        ]);
      });
      if (total > incidents.length)
        process.stderr.write(
          `lockout: showing the newest ${incidents.length} of ${total} incidents; --limit ${total} lists them all\n`,
        );
    });
}
