/**
 * Responder actions on a running incident: each is sent as an update, so the workflow answers
 * "accepted" or "refused: <why>" at once. If no worker answers in time, the same request goes as
 * a signal: Temporal records it now and the incident applies it when a worker runs.
 */
import {
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { Command } from 'commander';
import * as m from '../../workflows/messages';
import { CliError, emit } from '../output';
import { incidentId, withClient } from '../temporal';

const ANSWER_WITHIN_MS = 15_000;

type Outcome = { incidentId: string; accepted: true; message: string; via: 'update' | 'signal' };

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

/** A responder command: arguments and options → one update/signal pair. */
/** Commander's options; required ones are guaranteed present by requiredOption. */
type Opts = Record<string, string | undefined> & { json?: boolean };

function responderCommand<A>(spec: {
  name: string;
  description: string;
  args?: [string, string][];
  options: (cmd: Command) => Command;
  update: UpdateDefinition<string, [A]>;
  signal: SignalDefinition<[A]>;
  payload: (positional: string[], opts: Opts) => A;
}): Command {
  const cmd = new Command(spec.name)
    .description(spec.description)
    .argument('<incident>', 'incident id (the lockout- prefix may be omitted)');
  for (const [name, description] of spec.args ?? []) cmd.argument(name, description);
  spec.options(cmd).option('--json', 'print the outcome as JSON');
  return cmd.action(async (...params: unknown[]) => {
    const positional = params.slice(0, 1 + (spec.args?.length ?? 0)) as string[];
    const opts = params[positional.length] as Opts;
    const outcome = await withClient((client) =>
      send(
        client,
        incidentId(positional[0]!),
        spec.update,
        spec.signal,
        spec.payload(positional.slice(1), opts),
      ),
    );
    emit(opts.json, outcome, () => `${outcome.incidentId}: ${outcome.message}`);
  });
}

const noteless = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export function responderCommands(): Command[] {
  return [
    responderCommand({
      name: 'ack',
      description: 'Acknowledge an incident: you own it now, escalation stops',
      options: (c) =>
        c
          .requiredOption('--by <person>', 'who acknowledges')
          .option('--note <text>', 'a note for the timeline'),
      update: m.acknowledgeUpdate,
      signal: m.acknowledgeSignal,
      payload: (_, o) => noteless({ by: o.by!, note: o.note }),
    }),
    responderCommand({
      name: 'reopen',
      description: 'Take an acknowledgement back: escalation starts over from the first level',
      options: (c) =>
        c.requiredOption('--by <person>', 'who reopens').requiredOption('--reason <text>', 'why'),
      update: m.reopenUpdate,
      signal: m.reopenSignal,
      payload: (_, o) => ({ by: o.by!, reason: o.reason! }),
    }),
    responderCommand({
      name: 'escalate',
      description: 'Tell the next escalation level now, without waiting for the timer',
      options: (c) => c.requiredOption('--by <person>', 'who asks').option('--reason <text>', 'why'),
      update: m.escalateUpdate,
      signal: m.escalateSignal,
      payload: (_, o) => noteless({ by: o.by!, reason: o.reason }),
    }),
    responderCommand({
      name: 'approve',
      description: 'Approve a pending approval step (quorum and two-person rule apply)',
      args: [['<step>', 'the approval step id (see `lockout approvals`)']],
      options: (c) =>
        c
          .requiredOption('--by <person>', 'who approves (a person id from the directory)')
          .option('--reason <text>', 'a note'),
      update: m.approveUpdate,
      signal: m.approveSignal,
      payload: ([step], o) => noteless({ step: step!, by: o.by!, reason: o.reason }),
    }),
    responderCommand({
      name: 'reject',
      description: 'Reject a pending approval step: its gated step does not run',
      args: [['<step>', 'the approval step id']],
      options: (c) =>
        c
          .requiredOption('--by <person>', 'who rejects')
          .requiredOption('--reason <text>', 'why (goes into the report)'),
      update: m.rejectUpdate,
      signal: m.rejectSignal,
      payload: ([step], o) => ({ step: step!, by: o.by!, reason: o.reason! }),
    }),
    responderCommand({
      name: 'aware',
      description:
        'Set or correct when the organisation became aware of a personal-data breach (moves the GDPR clock)',
      options: (c) =>
        c
          .requiredOption('--at <time>', 'ISO 8601 time, e.g. 2026-11-26T09:30:00Z')
          .requiredOption('--by <person>', 'who records it (legal, DPO)')
          .requiredOption('--reason <text>', 'why this time'),
      update: m.setAwarenessUpdate,
      signal: m.setAwarenessSignal,
      payload: (_, o) => ({ at: o.at!, by: o.by!, reason: o.reason! }),
    }),
    responderCommand({
      name: 'fact',
      description: 'Set a fact the runbook reads, e.g. euPersonalData=true (starts the GDPR clock)',
      args: [['<name=value>', 'fact and value; lists are comma-separated']],
      options: (c) => c.requiredOption('--by <person>', 'who sets it'),
      update: m.setFactUpdate,
      signal: m.setFactSignal,
      payload: ([pair], o) => {
        const eq = pair!.indexOf('=');
        if (eq < 1) throw new CliError(`${pair}: must be name=value`, 2);
        return { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), by: o.by! };
      },
    }),
    responderCommand({
      name: 'clock',
      description: 'Record a clock as met, e.g. the supervisory authority was notified outside this tool',
      args: [['<clock>', 'clock id (see `lockout status`)']],
      options: (c) =>
        c
          .requiredOption('--by <person>', 'who records it')
          .option('--at <time>', 'when it was met (ISO 8601; default now)')
          .option('--note <text>', "evidence, e.g. the authority's reference number"),
      update: m.clockMetUpdate,
      signal: m.clockMetSignal,
      payload: ([clock], o) => noteless({ clock: clock!, by: o.by!, at: o.at, note: o.note }),
    }),
    responderCommand({
      name: 'phase',
      description: 'Declare the incident contained or recovered (starts clocks that run from those events)',
      args: [['<phase>', 'contained or recovered']],
      options: (c) => c.requiredOption('--by <person>', 'who declares it').option('--note <text>', 'why'),
      update: m.setPhaseUpdate,
      signal: m.setPhaseSignal,
      payload: ([phase], o) => {
        if (phase !== 'contained' && phase !== 'recovered')
          throw new CliError(`${phase}: must be contained or recovered`, 2);
        return noteless({ phase, by: o.by!, note: o.note });
      },
    }),
    responderCommand({
      name: 'resolve',
      description:
        'Resolve an incident: sends the closing summary (legal clocks keep running until met or missed)',
      options: (c) =>
        c
          .requiredOption('--by <person>', 'who resolves')
          .requiredOption('--reason <text>', 'why it is resolved (goes into the summary and the report)'),
      update: m.resolveUpdate,
      signal: m.resolveSignal,
      payload: (_, o) => ({ by: o.by!, reason: o.reason! }),
    }),
  ];
}
