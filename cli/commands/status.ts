import { Command } from 'commander';
import type { IncidentStatus } from '../../domain/incident';
import { statusQuery } from '../../workflows/messages';
import { formatStatus } from '../format-status';
import { CliError, emit } from '../output';
import { incidentId, withClient } from '../temporal';

export function statusCommand(): Command {
  return new Command('status')
    .description('Show an incident: phase, escalation level, alerts, acknowledgements and its timeline')
    .argument('<incident>', 'incident id (lockout-… ; the prefix may be omitted)')
    .option('--json', 'print the full status as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const status = await withClient(async (client) => {
        const handle = client.workflow.getHandle(incidentId(id));
        const description = await handle.describe();
        if (description.status.name === 'RUNNING') return handle.query(statusQuery);
        if (description.status.name === 'COMPLETED') return (await handle.result()) as IncidentStatus;
        throw new CliError(
          `incident ${handle.workflowId} ended ${description.status.name.toLowerCase()}; see it in the Web UI`,
        );
      });
      emit(opts.json, status, () => formatStatus(status));
    });
}
