/**
 * Moving a running incident to another pattern's runbook (`lockout reclassify`, the status page,
 * the Web UI signal `reclassify`). What the incident has lived through stays: its alerts, timeline,
 * acknowledgements, awareness time, clocks with their deadlines, deliveries and step records. What
 * changes is the runbook it follows from here on, which starts at its first step; messages already
 * sent under the same step id are not sent again (the sent ledger's keys name incident, step,
 * recipient and channel). Pure: the workflow shell (workflows/reclassify.ts) commits the results.
 */
import type { Pattern } from './alert';
import type {
  ClockStatus,
  EngineState,
  IncidentFacts,
  IncidentRecord,
  ReclassificationRequest,
} from './incident';
import { entryRecorded, startingClocks } from './incident-progress';
import { declaredFacts } from './facts';
import type { Reducer } from './incident-reducers';
import type { ReclassifyInput } from './responder-input';
import type { Runbook } from './runbook';

/** The patterns a person may choose, each in one line: the choices an unclassified incident offers. */
export const PATTERN_CHOICES: readonly { pattern: Exclude<Pattern, 'unclassified'>; description: string }[] =
  [
    { pattern: 'certificate-chain', description: 'TLS certificate chain invalid, expired or untrusted' },
    { pattern: 'token-expiry', description: 'OAuth token, session or credential expired or revoked' },
    {
      pattern: 'acl-misconfiguration',
      description: 'permissions, profile, field-level security or API access changed',
    },
    {
      pattern: 'audit-log-failure',
      description: 'audit log, event monitoring or SIEM forwarding failing',
    },
    { pattern: 'data-residency', description: 'data stored or processed outside its region' },
    {
      pattern: 'vendor-assessment',
      description: 'vendor, procurement or third-party-risk review blocks the integration',
    },
  ];

/** The command an operations responder types to choose (shown in the unclassified message). */
export function reclassifyCommand(incidentId: string): string {
  return `lockout reclassify ${incidentId} --pattern <pattern> --by <your-name> --reason "<why>"`;
}

/** Why an incident cannot be reclassified now, or undefined. */
export function cannotReclassify(
  record: IncidentRecord,
  current: Runbook,
  wanted: { pattern: Pattern; runbook?: string },
): { refused: string } | { unchanged: string } | undefined {
  if (record.resolution) return { refused: 'incident already resolved' };
  const pending = record.engine.reclassification;
  if (pending) {
    if (pending.pattern === wanted.pattern && pending.runbook === wanted.runbook)
      return { unchanged: `already moving to ${wanted.pattern}; not applied again` };
    return {
      refused: `a reclassification to ${pending.pattern} (by ${pending.by}) is still being carried out; try again in a moment`,
    };
  }
  if (
    record.facts.pattern === wanted.pattern &&
    (wanted.runbook === undefined || wanted.runbook === current.id)
  )
    return { unchanged: `already ${wanted.pattern} (runbook ${current.id}); nothing changed` };
  return undefined;
}

/** The runbook a request names: the named one, else the first matching the pattern, else the fallback. */
export function runbookFor(
  runbooks: readonly Runbook[],
  wanted: { pattern: Pattern; runbook?: string },
): { ok: true; runbook: Runbook } | { ok: false; reason: string } {
  const known = runbooks.map((r) => r.id).join(', ') || 'none';
  if (wanted.runbook !== undefined) {
    const named = runbooks.find((r) => r.id === wanted.runbook);
    return named
      ? { ok: true, runbook: named }
      : { ok: false, reason: `runbook: no runbook "${wanted.runbook}" (known: ${known})` };
  }
  const matching =
    runbooks.find((r) => r.match.patterns.includes(wanted.pattern)) ?? runbooks.find((r) => r.match.fallback);
  return matching
    ? { ok: true, runbook: matching }
    : {
        ok: false,
        reason: `pattern: no runbook matches ${wanted.pattern} and none is marked match.fallback (known: ${known})`,
      };
}

/**
 * The runbook the incident follows after the move: the new one, plus every legal clock of the old
 * one it does not have. A legal deadline (GDPR Art. 33) does not stop because the diagnosis changed.
 */
export function runbookAfterMove(from: Runbook, to: Runbook): Runbook {
  const kept = from.clocks.filter((c) => c.legal && !to.clocks.some((t) => t.id === c.id));
  return kept.length ? { ...to, clocks: [...to.clocks, ...kept] } : to;
}

/**
 * The record the new run starts from. Clocks of the same id keep their state and deadline; the
 * new runbook's other clocks start waiting. Steps and approvals of the old runbook that were still
 * going are closed as left behind. The interpreter starts the new runbook at its first step.
 */
export function movedToRunbook(
  record: IncidentRecord,
  from: Runbook,
  to: Runbook,
  request: ReclassificationRequest,
  at: string,
): IncidentRecord {
  const left = `left behind: the incident moved to runbook ${to.id}`;
  const clocks: ClockStatus[] = startingClocks(to).map(
    (fresh) => record.clocks.find((c) => c.id === fresh.id) ?? fresh,
  );
  const dropped = record.clocks.filter((c) => !clocks.some((k) => k.id === c.id)).map((c) => c.id);
  const facts: IncidentFacts = {
    ...record.facts,
    pattern: request.pattern,
    custom: { ...declaredFacts(to, record.facts.labels).facts, ...record.facts.custom },
  };
  const engine: EngineState = {
    ...record.engine,
    cursor: 0,
    stepsDone: false,
    skip: [],
    repeaters: {},
    branchCursors: undefined,
    reclassification: undefined,
  };
  const moved: IncidentRecord = {
    ...record,
    facts,
    clocks,
    engine,
    steps: record.steps.map((s) =>
      s.state === 'running'
        ? { ...s, state: 'skipped', endedAt: at, result: { ok: false, summary: left } }
        : s,
    ),
    approvals: record.approvals.map((a) => (a.state === 'pending' ? { ...a, state: 'withdrawn' } : a)),
  };
  return entryRecorded(moved, {
    at,
    kind: 'reclassified',
    actor: request.by,
    summary:
      `reclassified by ${request.by} from ${record.facts.pattern} (runbook ${from.id} v${from.version}) ` +
      `to ${request.pattern} (runbook ${to.id} v${to.version}): ${request.reason}` +
      (dropped.length ? `; clocks no longer followed: ${dropped.join(', ')}` : ''),
  });
}

/**
 * The `reclassify` action: accepted now, carried out by the workflow once it has the runbook
 * (workflows/reclassify.ts). A repeat of the same request changes nothing.
 */
export const reclassify: Reducer<ReclassifyInput> = (record, { pattern, runbook, by, reason }, ctx) => {
  const wanted = { pattern, ...(runbook ? { runbook } : {}) };
  const blocked = cannotReclassify(record, ctx.runbook, wanted);
  if (blocked && 'refused' in blocked) return { ok: false, refused: blocked.refused };
  if (blocked) return { ok: true, record, message: blocked.unchanged, effects: [] };
  const request: ReclassificationRequest = { ...wanted, by, reason, at: ctx.now };
  const next = entryRecorded(
    { ...record, engine: { ...record.engine, reclassification: request } },
    {
      at: ctx.now,
      kind: 'reclassified',
      actor: by,
      summary: `reclassification to ${pattern}${runbook ? ` (runbook ${runbook})` : ''} asked by ${by}: ${reason}`,
    },
  );
  return {
    ok: true,
    record: next,
    message: `reclassification to ${pattern} accepted; the incident moves to ${runbook ? `runbook ${runbook}` : `the runbook of ${pattern}`} (see its timeline)`,
    effects: [],
  };
};
