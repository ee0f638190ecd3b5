/**
 * The bench's runbook cut after its first notification, then waiting until contained: what the
 * engine costs to the first message when nothing of the runbook runs after it. Beside the whole
 * runbook's cell it splits issue 16's latency ratio into the engine's share and the share of the
 * runbook's next steps (more messages, Salesforce checks) that share the machine with the next
 * incidents' first notifications. Same clocks and escalation as the runbook it is cut from.
 */
import { Runbook, type Step } from '../domain/runbook';

export function openingOf(runbook: Runbook): Runbook {
  const first = runbook.steps.findIndex((step) => step.kind === 'notify');
  if (first < 0) throw new Error(`runbook ${runbook.id} has no notify step at its top level to cut after`);
  const wait: Step = {
    id: 'bench-await-containment',
    kind: 'wait',
    title: 'Nothing more until contained (bench: the opening only)',
    until: { phase: 'contained' },
  };
  // Parsed, so that a cut the runbook schema refuses fails here, not inside a workflow.
  return Runbook.parse({
    ...runbook,
    id: `${runbook.id}-opening`,
    title: `${runbook.title} (opening only)`,
    steps: [...runbook.steps.slice(0, first + 1), wait],
  });
}
