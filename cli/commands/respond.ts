import {
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { Command } from 'commander';
import { acknowledgeSignal, acknowledgeUpdate, resolveSignal, resolveUpdate } from '../../workflows/messages';
import { CliError, emit } from '../output';
import { incidentId, withClient } from '../temporal';

/** How long to wait for a worker to answer before sending the same request as a durable signal. */
const ANSWER_WITHIN_MS = 15_000;

type Outcome = { incidentId: string; accepted: true; message: string; via: 'update' | 'signal' };

/**
 * Sends a responder's request as an update (the workflow answers accepted/refused at once). If
 * no worker answers in time, the request goes as a signal instead: recorded by Temporal now,
 * applied when a worker runs; nothing a responder sends is lost.
 */
async function send<A>(
  client: Client,
  id: string,
  update: UpdateDefinition<string, [A]>,
  signal: SignalDefinition<[A]>,
  arg: A,
): Promise<Outcome> {
  const handle = client.workflow.getHandle(id);
  const description = await handle.describe();
  if (description.status.name !== 'RUNNING')
    throw new CliError(`incident ${id} is closed (${description.status.name.toLowerCase()})`);
  try {
    const message = await client.withDeadline(Date.now() + ANSWER_WITHIN_MS, () =>
      handle.executeUpdate(update, { args: [arg] as [A] }),
    );
    return { incidentId: id, accepted: true, message: String(message), via: 'update' };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const reason = (err.cause as Error | undefined)?.message ?? err.message;
      throw new CliError(reason.startsWith('refused') ? reason : `refused: ${reason}`);
    }
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      await handle.signal(signal, arg);
      return {
        incidentId: id,
        accepted: true,
        message: `no worker answered within ${ANSWER_WITHIN_MS / 1000}s: sent as a signal, applied when a worker runs`,
        via: 'signal',
      };
    }
    throw err;
  }
}

export function ackCommand(): Command {
  return new Command('ack')
    .description('Acknowledge an incident: you own it now, escalation stops')
    .argument('<incident>', 'incident id')
    .requiredOption('--by <person>', 'who acknowledges')
    .option('--note <text>', 'a note for the timeline')
    .option('--json', 'print the outcome as JSON')
    .action(async (id: string, opts: { by: string; note?: string; json?: boolean }) => {
      const outcome = await withClient((client) =>
        send(client, incidentId(id), acknowledgeUpdate, acknowledgeSignal, { by: opts.by, note: opts.note }),
      );
      emit(opts.json, outcome, () => `${outcome.incidentId}: ${outcome.message}`);
    });
}

export function resolveCommand(): Command {
  return new Command('resolve')
    .description('Resolve an incident: ends it and sends the closing summary')
    .argument('<incident>', 'incident id')
    .requiredOption('--by <person>', 'who resolves')
    .requiredOption('--reason <text>', 'why it is resolved (goes into the summary and the report)')
    .option('--json', 'print the outcome as JSON')
    .action(async (id: string, opts: { by: string; reason: string; json?: boolean }) => {
      const outcome = await withClient((client) =>
        send(client, incidentId(id), resolveUpdate, resolveSignal, { by: opts.by, reason: opts.reason }),
      );
      emit(opts.json, outcome, () => `${outcome.incidentId}: ${outcome.message}`);
    });
}
