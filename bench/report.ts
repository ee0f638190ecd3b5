/** The bench's table: each measurement beside its bare-Temporal baseline, and their ratio. */
import type { ActionsResult } from './actions';
import type { LatencyCell, LatencyResult } from './latency';
import type { MemoryResult } from './memory';
import type { StormResult } from './storm';
import type { StatusPageResult } from './status-page';

export interface BenchResult {
  date: string;
  machine: { cpus: number; cpu: string; memoryGiB: number; node: string; loadAverageAtStart: number[] };
  temporal: { cli: string; server: string };
  latency: LatencyResult;
  storm: StormResult;
  actions: ActionsResult;
  memory: MemoryResult;
  statusPage: StatusPageResult;
}

/** A latency cell's row label; a cell on another runbook than the first cell's names it. */
function cellLabel(cell: LatencyCell, firstRunbook: string | undefined): string {
  const runbook = cell.runbook !== firstRunbook ? `runbook ${cell.runbook}, ` : '';
  return `${runbook}channels ${cell.channels}, ${cell.concurrency} in flight`;
}

function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('   '),
    )
    .join('\n');
}

const x = (ratio: number) => `${ratio}×`;

export function formatTable(r: BenchResult): string {
  const { latency, storm, actions, memory } = r;
  const firstRunbook = latency.matrix?.[0]?.runbook;
  const perAlert = (signals: number, alerts: number) => (signals / alerts).toFixed(2);
  const exact = (side: StormResult['incident']) =>
    `${side.workflows}/${storm.fingerprints}${side.wrongCounts.length ? ` (${side.wrongCounts.length} wrong)` : ', exact'}`;
  const rows = [
    ['measure', 'lockout-runbook', 'bare Temporal', 'ratio'],
    [
      `alert → first notification p50 (ms), ${latency.incidents} incidents, channels unconfigured, ${latency.concurrency} in flight`,
      `${latency.incidentMs.p50}`,
      `${latency.baselineMs.p50}`,
      x(latency.ratio.p50),
    ],
    [
      'alert → first notification p99 (ms)',
      `${latency.incidentMs.p99}`,
      `${latency.baselineMs.p99}`,
      x(latency.ratio.p99),
    ],
    ...(latency.matrix ?? []).slice(1).flatMap((cell) => [
      [
        `  ${cellLabel(cell, firstRunbook)}: p50 (ms)`,
        `${cell.incidentMs.p50}`,
        `${cell.baselineMs.p50}`,
        x(cell.ratio.p50),
      ],
      [
        `  ${cellLabel(cell, firstRunbook)}: p99 (ms)`,
        `${cell.incidentMs.p99}`,
        `${cell.baselineMs.p99}`,
        x(cell.ratio.p99),
      ],
    ]),
    [
      `storm ingest (alerts/s), ${storm.alerts} alerts / ${storm.fingerprints} fingerprints`,
      `${storm.incident.alertsPerSecond}`,
      `${storm.baseline.alertsPerSecond}`,
      x(storm.ratio),
    ],
    [
      `encryption per incident (AES-256-GCM, ${latency.encryption.payloads.p50} payloads) p50 (ms)`,
      `${latency.encryption.codecMs.p50}`,
      '',
      `${latency.encryption.shareOfP50}% of p50`,
    ],
    ['storm: workflows / fingerprints, counts', exact(storm.incident), exact(storm.baseline), ''],
    [
      'storm: signals recorded per alert',
      perAlert(storm.incident.signals, storm.alerts),
      perAlert(storm.baseline.signals, storm.alerts),
      '',
    ],
    ...(storm.twoGateways
      ? [
          [
            'storm ingest through 2 gateways (alerts/s)',
            `${storm.twoGateways.alertsPerSecond}`,
            `${storm.baseline.alertsPerSecond}`,
            x(storm.twoGateways.ratio),
          ],
          ['storm through 2 gateways: workflows / fingerprints, counts', exact(storm.twoGateways), '', ''],
          [
            'storm through 2 gateways: signals per alert',
            perAlert(storm.twoGateways.signals, storm.alerts),
            '',
            '',
          ],
        ]
      : []),
    [
      `Temporal actions per incident (${actions.runbook})`,
      `${actions.incident.total}`,
      `${actions.baseline.total}`,
      x(actions.ratio),
    ],
    ['history events per incident', `${actions.incident.events}`, `${actions.baseline.events}`, ''],
    [
      `worker RSS with ${memory.open} open (MiB)`,
      `${memory.incident.rssOpenMiB}`,
      `${memory.baseline.rssOpenMiB}`,
      x(memory.ratio.rss),
    ],
    [
      `worker RSS per open workflow (KiB), ${memory.allocator === 'jemalloc' ? 'jemalloc' : "system's malloc"}`,
      `${memory.incident.perWorkflowKiB}`,
      `${memory.baseline.perWorkflowKiB}`,
      x(memory.ratio.perWorkflow),
    ],
    ...(memory.incident.marginalKiB
      ? [
          [
            `  from ${Math.ceil(memory.open / 2)} to ${memory.open} open (KiB per workflow)`,
            `${memory.incident.marginalKiB}`,
            `${memory.baseline.marginalKiB}`,
            x(memory.ratio.marginal),
          ],
        ]
      : []),
    [
      'workflows cached when measured',
      `${memory.incident.cachedAtMeasure}`,
      `${memory.baseline.cachedAtMeasure}`,
      '',
    ],
  ];
  const sp = r.statusPage;
  const browser =
    'skipped' in sp.browser
      ? `Chromium skipped (${sp.browser.skipped})`
      : `in Chromium ${sp.browser.renderMs} ms until the pager shows the count, ${sp.browser.loadedKiB} KiB loaded`;
  const statusPage =
    `Status page at ${sp.open} open: listed from visibility in ${sp.listMs} ms; first page (${sp.pageSize}) ` +
    `${sp.firstPage.coldMs} ms cold, ${sp.firstPage.warmMs} ms cached, ${sp.firstPage.jsonKiB} KiB JSON; ${browser}. ` +
    `Reading all ${sp.open} statuses instead: ${sp.allStatuses.ms} ms, ${sp.allStatuses.jsonKiB} KiB ` +
    `(${x(sp.ratio.time)} the time, ${x(sp.ratio.bytes)} the bytes${sp.allStatuses.unreadable ? `, ${sp.allStatuses.unreadable} unreadable` : ''}).`;
  const breakdown = Object.entries(actions.incident.byKind)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  return [
    '',
    columns(rows),
    '',
    statusPage,
    `Where the first notification's time goes (p50 ms per hop, ${latency.hops[0]?.ms.n ?? 0} incidents' histories): ` +
      latency.hops.map((h) => `${h.hop} ${h.ms.p50}`).join(' · '),
    ...(latency.traces
      ? [
          `Traced with OpenTelemetry (p50 ms per hop, ${latency.traces.traced} of ${latency.traces.incidents} alerts' traces, tracing on): ` +
            latency.traces.hops.map((h) => `${h.hop} ${h.ms.p50}`).join(' · '),
        ]
      : []),
    `Actions per incident: ${breakdown} (${actions.lifecycle}); queries (lockout status, Web UI) add 1 each.`,
    `Baselines: bare signalWithStart of a workflow running one no-op activity (latency, timed before each cell's incidents), of a no-op workflow (actions), of an empty counting workflow (storm), ` +
      `${memory.open} open empty workflows (memory). Latency: the first message accepted by its provider (SMTP; configured: also Twilio and webhooks on loopback); storm: ${storm.concurrency} in flight.`,
    `Machine: ${r.machine.cpus} CPUs (${r.machine.cpu}), ${r.machine.memoryGiB} GiB, Node ${r.machine.node}, ` +
      `load at start ${r.machine.loadAverageAtStart.join(' ')}; Temporal CLI ${r.temporal.cli} (server ${r.temporal.server}); ${r.date}`,
  ].join('\n');
}
