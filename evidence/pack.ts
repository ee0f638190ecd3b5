/**
 * The evidence pack of one incident, as files in memory: the sections of domain/evidence.ts as
 * JSON, the timeline hash-chained line by line, the report, and a manifest that holds the SHA-256
 * of every file (and of each 1 KiB block, so `verify` can say where a file changed) and is sealed
 * by the hash of its own content. No I/O here: evidence/files.ts writes the files, evidence/pdf.ts
 * prints the PDF that is added before the manifest is made.
 */
import { createHash } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';
import {
  breachRecord,
  clocksOf,
  controlMapping,
  decisionsOf,
  remediationOf,
  timeRange,
  type EvidenceSource,
} from '../domain/evidence';
import type { CrisisLedger } from '../domain/crisis-budget';
import type { TimelineEntry } from '../domain/incident';
import { renderReport } from './report';

export const PACK_FORMAT = 'lockout-evidence-pack/1';
export const MANIFEST = 'manifest.json';
export const TIMELINE = 'timeline.jsonl';
export const BLOCK_BYTES = 1024;
/** The `prev` of the first timeline entry. */
export const CHAIN_START = '0'.repeat(64);

export type PackFiles = Map<string, Buffer>;

export interface PackMeta {
  generatedAt: string;
  tool: { name: string; version: string };
  /** The incident's crisis budget ledger at `generatedAt` (client/crisis-budget.ts), when configured. */
  budget?: CrisisLedger;
}

export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** One line of timeline.jsonl: the entry, its place, and the hashes that chain it to the one before. */
export interface ChainedEntry extends TimelineEntry {
  seq: number;
  prev: string;
  hash: string;
}

/** The hash of an entry: over everything but the hash itself, the previous hash included. */
export function entryHash(entry: Omit<ChainedEntry, 'hash'>): string {
  return sha256(stableStringify(entry));
}

export function chainTimeline(timeline: readonly TimelineEntry[]): ChainedEntry[] {
  let prev = CHAIN_START;
  return timeline.map((entry, i) => {
    const unhashed = { ...entry, seq: i + 1, prev };
    const hash = entryHash(unhashed);
    prev = hash;
    return { ...unhashed, hash };
  });
}

const json = (value: unknown): Buffer => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);

/** Every file of the pack but the PDF and the manifest. */
export function packContents(source: EvidenceSource, meta: PackMeta): PackFiles {
  const { status } = source;
  const incidentId = status.incidentId;
  const chained = chainTimeline(status.timeline);
  const decisions = decisionsOf(source.actions);
  const clocks = clocksOf(status);
  const controls = controlMapping(status);
  const breach = breachRecord(source);
  const files: PackFiles = new Map();
  files.set(
    'incident.json',
    json({
      incidentId,
      runbook: status.runbook,
      facts: status.facts,
      phase: status.phase,
      execution: source.execution,
      ...(source.closedAt ? { closedAt: source.closedAt } : {}),
      detectedAt: status.detectedAt,
      escalationLevel: status.escalationLevel,
      escalationLevels: status.escalationLevels,
      awareness: status.awareness ?? null,
      resolution: status.resolution ?? null,
      attention: status.attention ?? [],
    }),
  );
  files.set('alerts.json', json({ incidentId, received: source.alerts, distinct: status.alerts }));
  files.set(
    'decisions.json',
    json({
      incidentId,
      decisions,
      approvals: status.approvals,
      acknowledgements: status.acknowledgements,
      resolution: status.resolution ?? null,
    }),
  );
  files.set('clocks.json', json({ incidentId, clocks }));
  files.set(
    'deliveries.json',
    json({
      incidentId,
      deliveries: status.deliveries,
      failures: status.deliveries.filter((d) => d.outcome !== 'delivered'),
      receipts: status.receipts,
    }),
  );
  files.set(
    'remediation.json',
    json({ incidentId, remediation: remediationOf(status), steps: status.steps }),
  );
  files.set('controls.json', json({ incidentId, controls }));
  if (breach) files.set('gdpr-art33-record.json', json(breach));
  if (status.review) files.set('review.json', json({ incidentId, review: status.review }));
  if (meta.budget) files.set('budget.json', json({ incidentId, ledger: meta.budget }));
  files.set(TIMELINE, Buffer.from(chained.map((e) => `${JSON.stringify(e)}\n`).join('')));
  files.set(
    'report.html',
    Buffer.from(
      renderReport({ source, decisions, clocks, controls, breach, range: timeRange(source), meta }),
    ),
  );
  return files;
}

export interface ManifestFile {
  name: string;
  bytes: number;
  sha256: string;
  /** The first 16 hex digits of the SHA-256 of each 1 KiB block: where a change is. */
  blocks: string[];
}

export interface Manifest {
  format: typeof PACK_FORMAT;
  incidentId: string;
  generatedAt: string;
  tool: { name: string; version: string };
  runbook: { id: string; version: number; title: string; sha256: string | null };
  execution: string;
  runs: number;
  timeRange: { from: string; to: string };
  timeline: { entries: number; head: string };
  files: ManifestFile[];
  notes: string[];
  /** SHA-256 of this manifest without `seal` (canonical JSON): an edit to the manifest shows. */
  seal: string;
}

export function blockHashes(data: Buffer): string[] {
  const blocks: string[] = [];
  for (let at = 0; at < data.length; at += BLOCK_BYTES)
    blocks.push(sha256(data.subarray(at, at + BLOCK_BYTES)).slice(0, 16));
  return blocks;
}

/** A file's line in the manifest: its size, SHA-256 and block hashes. */
export const manifestEntry = (name: string, data: Buffer): ManifestFile => ({
  name,
  bytes: data.length,
  sha256: sha256(data),
  blocks: blockHashes(data),
});

export const sealOf = (manifest: Omit<Manifest, 'seal'>): string => sha256(stableStringify(manifest));

/** Adds the manifest: the hash of every file given, then the seal. */
export function sealPack(
  source: EvidenceSource,
  files: PackFiles,
  meta: PackMeta,
  notes: string[] = [],
): { files: PackFiles; manifest: Manifest } {
  const chained = chainTimeline(source.status.timeline);
  const unsealed: Omit<Manifest, 'seal'> = {
    format: PACK_FORMAT,
    incidentId: source.status.incidentId,
    generatedAt: meta.generatedAt,
    tool: meta.tool,
    runbook: {
      ...source.status.runbook,
      sha256: source.runbook ? sha256(stableStringify(source.runbook)) : null,
    },
    execution: source.execution,
    runs: source.runs,
    timeRange: timeRange(source),
    timeline: { entries: chained.length, head: chained.at(-1)?.hash ?? CHAIN_START },
    files: [...files.entries()]
      .filter(([name]) => name !== MANIFEST)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, data]) => manifestEntry(name, data)),
    notes,
  };
  const manifest: Manifest = { ...unsealed, seal: sealOf(unsealed) };
  const sealed: PackFiles = new Map(files);
  sealed.set(MANIFEST, json(manifest));
  return { files: sealed, manifest };
}
