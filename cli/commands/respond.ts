/**
 * Responder actions on a running incident: each is sent as an update, so the workflow answers
 * "accepted" or "refused: <why>" at once. If no worker answers in time, the same request goes as
 * a signal: Temporal records it now and the incident applies it when a worker runs.
 */
import type { Client } from '@temporalio/client';
import { Command } from 'commander';
import { sendAction, type ActionInput, type ActionName } from '../../client/actions';
import { oneLine } from '../../lib/printable';
import { CliError, emit } from '../output';
import { incidentId, withClient } from '../temporal';

/** The CLI waits longer than a page: a person at a terminal can bear 15 s. */
const ANSWER_WITHIN_MS = 15_000;

type Outcome = { incidentId: string; accepted: true; message: string; via: 'update' | 'signal' };

async function send<N extends ActionName>(
  client: Client,
  id: string,
  action: N,
  input: ActionInput<N>,
): Promise<Outcome> {
  const description = await client.workflow.getHandle(id).describe();
  if (description.status.name !== 'RUNNING')
    throw new CliError(`incident ${id} is closed (${description.status.name.toLowerCase()})`);
  const result = await sendAction(client, id, action, input, { answerWithinMs: ANSWER_WITHIN_MS });
  if (result.outcome === 'refused') throw new CliError(`refused: ${result.message}`);
  // EX_TEMPFAIL: a script may send the same command again.
  if (result.outcome === 'busy') throw new CliError(result.message, 75);
  return {
    incidentId: id,
    accepted: true,
    message: result.message,
    via: result.outcome === 'queued' ? 'signal' : 'update',
  };
}

/** A responder command: arguments and options → one update/signal pair. */
/** Commander's options; required ones are guaranteed present by requiredOption. */
type Opts = Record<string, string | undefined> & { json?: boolean };

export function responderCommand<N extends ActionName>(spec: {
  name: string;
  description: string;
  args?: [string, string][];
  options: (cmd: Command) => Command;
  /** The incident action it sends (client/actions.ts). */
  action: N;
  payload: (positional: string[], opts: Opts) => ActionInput<N>;
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
      send(client, incidentId(positional[0]!), spec.action, spec.payload(positional.slice(1), opts)),
    );
    emit(opts.json, outcome, () => oneLine(`${outcome.incidentId}: ${outcome.message}`));
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
      action: 'acknowledge',
      payload: (_, o) => noteless({ by: o.by!, note: o.note }),
    }),
    responderCommand({
      name: 'reopen',
      description: 'Take an acknowledgement back: escalation starts over from the first level',
      options: (c) =>
        c.requiredOption('--by <person>', 'who reopens').requiredOption('--reason <text>', 'why'),
      action: 'reopen',
      payload: (_, o) => ({ by: o.by!, reason: o.reason! }),
    }),
    responderCommand({
      name: 'escalate',
      description: 'Tell the next escalation level now, without waiting for the timer',
      options: (c) => c.requiredOption('--by <person>', 'who asks').option('--reason <text>', 'why'),
      action: 'escalate',
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
      action: 'approve',
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
      action: 'reject',
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
      action: 'setAwareness',
      payload: (_, o) => ({ at: o.at!, by: o.by!, reason: o.reason! }),
    }),
    responderCommand({
      name: 'fact',
      description: 'Set a fact the runbook reads, e.g. euPersonalData=true (starts the GDPR clock)',
      args: [['<name=value>', 'fact and value; lists are comma-separated']],
      options: (c) => c.requiredOption('--by <person>', 'who sets it'),
      action: 'setFact',
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
      action: 'clockMet',
      payload: ([clock], o) => noteless({ clock: clock!, by: o.by!, at: o.at, note: o.note }),
    }),
    responderCommand({
      name: 'phase',
      description: 'Declare the incident contained or recovered (starts clocks that run from those events)',
      args: [['<phase>', 'contained or recovered']],
      options: (c) => c.requiredOption('--by <person>', 'who declares it').option('--note <text>', 'why'),
      action: 'setPhase',
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
      action: 'resolve',
      payload: (_, o) => ({ by: o.by!, reason: o.reason! }),
    }),
  ];
}
