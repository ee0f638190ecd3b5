/** A simulation as a tabletop exercise reads it: offsets from detection, who was told what, clocks. */
import { formatDuration } from '../domain/duration';
import type { SimulationResult } from './run';
import { formatOffset } from './script';

export function simulationReport(result: SimulationResult) {
  const t0 = Date.parse(result.status.detectedAt);
  const at = (iso: string | undefined) => (iso ? formatOffset(Date.parse(iso) - t0) : null);
  const s = result.status;
  return {
    runbook: result.runbook,
    facts: result.facts,
    simulatedFor: formatDuration(result.horizonMs),
    phase: s.phase,
    escalationLevel: s.escalationLevel,
    timeline: s.timeline.map((e) => ({ offset: at(e.at)!, kind: e.kind, summary: e.summary })),
    messages: result.messages.map((msg) => ({
      offset: at(msg.at)!,
      channel: msg.channel,
      recipient: msg.recipient,
      step: msg.step,
      subject: msg.subject,
    })),
    clocks: s.clocks.map((c) => ({
      id: c.id,
      title: c.title,
      within: c.within,
      from: c.from,
      legal: c.legal,
      state: c.state,
      deadline: at(c.deadline),
      metAt: at(c.metAt),
      late: c.lateByMs ? formatDuration(c.lateByMs) : null,
    })),
    approvals: s.approvals.map((a) => ({
      step: a.step,
      state: a.state,
      decisions: a.decisions.map((d) => ({ offset: at(d.at)!, by: d.by, decision: d.decision })),
    })),
    steps: s.steps.map((st) => ({
      id: st.id,
      kind: st.kind,
      state: st.state,
      offset: at(st.startedAt)!,
      summary: st.result?.summary ?? null,
    })),
    refusals: result.refusals.map((r) => ({
      at: formatOffset(r.response.at),
      response: r.response.kind,
      reason: r.reason,
    })),
  };
}

export type SimulationReport = ReturnType<typeof simulationReport>;

function clockLine(c: SimulationReport['clocks'][number]): string {
  switch (c.state) {
    case 'met':
      return `met ${c.metAt}${c.late ? ` (${c.late} late)` : ''}`;
    case 'missed':
      return `MISSED (due ${c.deadline})`;
    case 'running':
      return `still running (due ${c.deadline})`;
    case 'waiting':
      return `never started (no ${c.from})`;
    default:
      return 'did not apply';
  }
}

export function formatSimulation(r: SimulationReport): string {
  const pad = (s: string, n: number) => s.padEnd(n);
  const facts =
    Object.entries(r.facts)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ') || '(runbook defaults)';
  const lines = [
    `Simulation of ${r.runbook.title} (${r.runbook.id} v${r.runbook.version}), ${r.simulatedFor} of incident time`,
    `Facts: ${facts}`,
    `Ended in phase ${r.phase}, escalation level ${r.escalationLevel}`,
    '',
    'Timeline',
    ...r.timeline.map((e) => `  ${pad(e.offset, 10)}${e.summary}`),
    '',
    'Messages (rendered, not sent)',
    ...(r.messages.length
      ? r.messages.map(
          (msg) => `  ${pad(msg.offset, 10)}${pad(msg.channel, 8)}${pad(msg.recipient, 40)} ${msg.subject}`,
        )
      : ['  none']),
    '',
    'Clocks',
    ...(r.clocks.length
      ? r.clocks.map(
          (c) =>
            `  ${pad(`${c.title}${c.legal ? ' (legal)' : ''}`, 44)}${pad(`${c.within} from ${c.from}`, 24)}${clockLine(c)}`,
        )
      : ['  none']),
  ];
  if (r.approvals.length) {
    lines.push('', 'Approvals');
    for (const a of r.approvals) {
      const d = a.decisions.map((x) => `${x.decision} ${x.by} ${x.offset}`).join(', ') || 'no decisions';
      lines.push(`  ${pad(a.step, 30)}${pad(a.state, 12)}${d}`);
    }
  }
  if (r.refusals.length) {
    lines.push('', 'Responses the incident refused');
    for (const x of r.refusals) lines.push(`  ${pad(x.at, 10)}${pad(x.response, 10)}${x.reason}`);
  }
  return lines.join('\n');
}
