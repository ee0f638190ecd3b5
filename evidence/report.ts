/**
 * report.html: the pack read by a person. One page: what happened, a timeline chart (clocks,
 * approvals and steps as bars against time, alerts and decisions as marks), then the decisions,
 * clocks, deliveries, remediation, the control mapping and the GDPR record. Self-contained (no
 * scripts, no external resources), so Chromium prints it as it shows it. Pure.
 */
import type { CrisisLedger } from '../domain/crisis-budget';
import { formatDuration } from '../domain/duration';
import type {
  BreachRecord,
  ClockRecord,
  ControlEvidence,
  DecisionRecord,
  EvidenceSource,
} from '../domain/evidence';
import type { IncidentStatus } from '../domain/incident';
import { oneLine } from '../lib/printable';

export interface ReportInput {
  source: EvidenceSource;
  decisions: DecisionRecord[];
  clocks: ClockRecord[];
  controls: ControlEvidence[];
  breach?: BreachRecord;
  range: { from: string; to: string };
  meta: { generatedAt: string; tool: { name: string; version: string }; budget?: CrisisLedger };
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
/** Untrusted text (titles, reasons, names) as HTML text: escaped and on one line. */
export const esc = (value: unknown): string =>
  oneLine(String(value ?? '')).replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const time = (iso?: string) => (iso ? esc(iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')) : '');

function table(headers: string[], rows: string[][]): string {
  if (!rows.length) return '<p class="none">None.</p>';
  return `<table><thead><tr>${headers.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const COLOURS = { met: '#2e7d32', missed: '#c62828', running: '#1565c0', other: '#9e9e9e' };

/** The chart: one lane per clock, approval and step, against the incident's time range. */
export function timelineChart(status: IncidentStatus, range: { from: string; to: string }): string {
  const start = Date.parse(range.from);
  const span = Math.max(1, Date.parse(range.to) - start);
  const left = 230;
  const width = 760;
  const x = (iso: string) => left + ((Date.parse(iso) - start) / span) * (width - left - 10);
  const lanes: string[] = [];
  const lane = (label: string, body: string) => {
    const y = 40 + lanes.length * 18;
    lanes.push(
      `<text x="4" y="${y + 11}" class="l">${esc(label.slice(0, 38))}</text>${body.replaceAll('{y}', String(y))}`,
    );
  };
  const bar = (from: string, to: string, colour: string, title: string) =>
    `<rect x="${x(from).toFixed(1)}" y="{y}" width="${Math.max(2, x(to) - x(from)).toFixed(1)}" height="12" fill="${colour}"><title>${esc(title)}</title></rect>`;
  const mark = (at: string, colour: string, title: string) =>
    `<path d="M${x(at).toFixed(1)} {y} l5 6 l-5 6 l-5 -6 z" fill="${colour}"><title>${esc(title)}</title></path>`;

  const marks = (kinds: string[], colour: string) =>
    status.timeline
      .filter((e) => kinds.includes(e.kind))
      .map((e) => mark(e.at, colour, `${e.at} ${e.summary}`))
      .join('');
  lane('alerts', marks(['alert'], '#6a1b9a'));
  lane('acknowledgements, decisions', marks(['acknowledgement', 'approval', 'resolution'], '#00838f'));
  lane('escalations', marks(['escalation'], '#ef6c00'));
  for (const c of status.clocks) {
    if (!c.startedAt || !c.deadline) continue;
    // Green while within its time; red from the deadline on, until met (late) or the end (missed).
    const inTime = c.metAt && Date.parse(c.metAt) <= Date.parse(c.deadline) ? c.metAt : c.deadline;
    const lateUntil = c.metAt ?? (c.state === 'missed' ? range.to : undefined);
    lane(
      `clock: ${c.title}`,
      bar(
        c.startedAt,
        inTime,
        c.state === 'met' || c.state === 'missed' ? COLOURS.met : COLOURS.other,
        `${c.title}: from ${c.startedAt}`,
      ) +
        (lateUntil && Date.parse(lateUntil) > Date.parse(c.deadline)
          ? bar(c.deadline, lateUntil, COLOURS.missed, `${c.title}: ${c.state}, deadline ${c.deadline}`)
          : '') +
        `<rect x="${(x(c.deadline) - 1).toFixed(1)}" y="{y}" width="2" height="14" fill="#000"><title>deadline ${esc(c.deadline)}</title></rect>`,
    );
  }
  for (const a of status.approvals) {
    const decided = a.decisions.at(-1)?.at ?? range.to;
    const colour =
      a.state === 'approved' ? COLOURS.met : a.state === 'pending' ? COLOURS.running : COLOURS.missed;
    lane(`approval: ${a.title}`, bar(a.requestedAt, decided, colour, `${a.title}: ${a.state}`));
  }
  for (const s of status.steps.filter((s) => s.kind !== 'approval'))
    lane(
      `step: ${s.title ?? s.id}`,
      bar(
        s.startedAt,
        s.endedAt ?? range.to,
        s.result && !s.result.ok ? COLOURS.missed : COLOURS.other,
        `${s.id}: ${s.state}`,
      ),
    );
  const height = 50 + lanes.length * 18;
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const at = new Date(start + f * span).toISOString();
      const tx = x(at).toFixed(1);
      const anchor = f === 0 ? 'start' : f === 1 ? 'end' : 'middle';
      return `<line x1="${tx}" x2="${tx}" y1="28" y2="${height}" class="g"/><text x="${tx}" y="20" class="t" text-anchor="${anchor}">${time(at).slice(5, 16)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="Incident timeline chart">${ticks}${lanes.join('')}</svg>`;
}

const STYLE = `
body{font:12px/1.4 system-ui,sans-serif;margin:24px;color:#111}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:20px 0 6px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;margin:4px 0}th,td{border:1px solid #ddd;padding:3px 5px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f3f3f3}.none{color:#666}.missed{color:#c62828;font-weight:600}.met{color:#2e7d32}
.chart .l{font-size:10px}.chart .t{font-size:9px}.chart .g{stroke:#eee}
.meta{color:#555}@media print{h2{break-after:avoid}tr{break-inside:avoid}}`;

/** The crisis budget ledger as it stood when the pack was made (budget.json has it whole). */
function budgetSection(l: CrisisLedger): string {
  const money = (n: number) => `${n.toFixed(2)} ${esc(l.currency)}`;
  const state = l.state === 'over' ? 'missed' : l.state === 'warning' ? 'missed' : 'met';
  return `<h2>Crisis budget</h2><p><span class="${state}">${money(l.total)} of ${money(l.envelope)} (${Math.round(l.used * 100)} %, ${esc(l.state)})</span> · ${l.multiplier} × normal ${money(l.normalCost)} · as of ${time(l.asOf)}${
    l.pending.length
      ? ` · ${l.pending.length} spend request(s) pending, ${money(l.totalIfApproved)} if approved`
      : ''
  }</p>${table(
    ['kind', 'what', 'amount', 'detail'],
    l.lines.map((x) => [esc(x.kind), esc(x.what), money(x.amount), esc(x.detail)]),
  )}`;
}

export function renderReport(r: ReportInput): string {
  const { status } = r.source;
  const f = status.facts;
  const missed = r.clocks.filter((c) => c.state === 'missed' || (c.lateByMs ?? 0) > 0);
  const failed = status.deliveries.filter((d) => d.outcome !== 'delivered');
  const summary = [
    `${status.alertCount} alert(s), phase <b>${esc(status.phase)}</b>, escalation level ${status.escalationLevel} of ${status.escalationLevels}`,
    `${r.decisions.length} decision(s); ${status.approvals.length} approval(s)`,
    `${r.clocks.filter((c) => c.state === 'met' && !c.lateByMs).length} clock(s) met in time, <span class="${missed.length ? 'missed' : 'met'}">${missed.length} missed or late</span>`,
    `${status.deliveries.length} delivery attempt(s), <span class="${failed.length ? 'missed' : 'met'}">${failed.length} not delivered</span>`,
    status.resolution
      ? `resolved by ${esc(status.resolution.by)} at ${time(status.resolution.at)}: ${esc(status.resolution.reason)}`
      : 'not resolved',
  ];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Evidence: ${esc(status.incidentId)}</title><style>${STYLE}</style></head><body>
<h1>Incident evidence report: ${esc(f.title)}</h1>
<p class="meta">${esc(status.incidentId)} · runbook ${esc(status.runbook.id)} v${status.runbook.version} · ${esc(f.pattern)} · ${esc(f.severity)} · region ${esc(f.region)}${f.euPersonalData ? ' · EU personal data' : ''}<br>
${time(r.range.from)} to ${time(r.range.to)} · ${esc(r.source.execution)} · generated ${time(r.meta.generatedAt)} by ${esc(r.meta.tool.name)} ${esc(r.meta.tool.version)}</p>
<ul>${summary.map((s) => `<li>${s}</li>`).join('')}</ul>
<h2>Timeline</h2>${timelineChart(status, r.range)}
<p class="meta">Clocks: green while within their time, red once past the deadline (black mark) until met or the end. Bars: steps and approvals (red: failed or rejected). Diamonds: alerts, decisions, escalations.</p>
<h2>Decisions</h2>${table(
    ['time', 'action', 'by', 'channel', 'step', 'reason', 'outcome'],
    r.decisions.map((d) => [
      time(d.at),
      esc(d.action),
      esc(d.by),
      esc(d.channel),
      esc(d.step),
      esc(d.reason),
      esc(d.outcome),
    ]),
  )}
<h2>Clocks</h2>${table(
    ['clock', 'legal', 'started', 'deadline', 'state', 'met at', 'late by', 'recorded by'],
    r.clocks.map((c) => [
      esc(c.title),
      c.legal ? 'yes' : 'no',
      time(c.startedAt),
      time(c.deadline),
      `<span class="${c.state === 'missed' ? 'missed' : c.state === 'met' ? 'met' : ''}">${esc(c.state)}</span>`,
      time(c.metAt),
      c.lateByMs ? esc(formatDuration(c.lateByMs)) : '',
      esc(c.recordedBy),
    ]),
  )}
<h2>Deliveries</h2>${table(
    ['time', 'step', 'recipient', 'channel', 'outcome', 'provider id', 'detail'],
    status.deliveries.map((d) => [
      time(d.at),
      esc(d.step),
      esc(d.recipient),
      esc(d.channel),
      `<span class="${d.outcome === 'delivered' ? 'met' : 'missed'}">${esc(d.outcome)}</span>`,
      esc(d.messageId),
      esc(d.detail),
    ]),
  )}
<h2>Remediation and steps</h2>${table(
    ['step', 'kind', 'state', 'started', 'ended', 'result'],
    status.steps.map((s) => [
      esc(s.title ?? s.id),
      esc(s.kind),
      esc(s.state),
      time(s.startedAt),
      time(s.endedAt),
      s.result
        ? `${s.result.ok ? 'ok' : '<span class="missed">not ok</span>'}: ${esc(s.result.summary)}`
        : '',
    ]),
  )}
<h2>Control mapping</h2>${table(
    ['framework', 'control', 'why', 'evidence'],
    r.controls.map((c) => [
      esc(c.framework),
      `${esc(c.id)} ${esc(c.title)}`,
      esc(c.why),
      esc(c.evidence.join(', ')),
    ]),
  )}
${
  r.breach
    ? `<h2>GDPR Art. 33(5) breach record</h2><p>Aware since ${time(r.breach.awareness?.at)} (${esc(r.breach.awareness?.by)}).</p>
<p><b>Effects:</b></p><ul>${r.breach.effects.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>
<p><b>Remedial action:</b></p>${table(
        ['step', 'state', 'at', 'result'],
        r.breach.remedialAction.map((a) => [esc(a.title ?? a.step), esc(a.state), time(a.at), esc(a.result)]),
      )}`
    : ''
}
${
  status.review
    ? `<h2>Post-incident review</h2><p>${esc(status.review.state)} · due ${time(status.review.due)}${
        status.review.recorded
          ? ` · recorded by ${esc(status.review.recorded.by)} at ${time(status.review.recorded.at)}: ${esc(status.review.recorded.summary)}`
          : status.review.waived
            ? ` · waived by ${esc(status.review.waived.by)} at ${time(status.review.waived.at)}: ${esc(status.review.waived.reason)}`
            : ''
      }</p>${table(
        ['item', 'title', 'owner', 'due', 'state', 'closed by'],
        status.review.items.map((i) => [
          esc(i.id),
          esc(i.title),
          esc(i.owner),
          time(i.due),
          esc(i.state),
          esc(i.closedBy),
        ]),
      )}`
    : ''
}
${r.meta.budget ? budgetSection(r.meta.budget) : ''}
<h2>Timeline entries</h2>${table(
    ['time', 'kind', 'actor', 'summary'],
    status.timeline.map((e) => [time(e.at), esc(e.kind), esc(e.actor), esc(e.summary)]),
  )}
<p class="meta">Every file of this pack is hashed in manifest.json; timeline.jsonl is hash-chained. Check it with: lockout evidence verify &lt;dir&gt;</p>
</body></html>
`;
}
