/**
 * Checks an evidence pack (its files in memory) against its manifest and says where it changed:
 * a file edited (which bytes, which line), missing, added or swapped for another incident's; a
 * timeline entry edited, removed or moved; the manifest itself edited. Pure.
 */
import { z } from 'zod';
import {
  BLOCK_BYTES,
  CHAIN_START,
  entryHash,
  MANIFEST,
  PACK_FORMAT,
  sealOf,
  sha256,
  TIMELINE,
  blockHashes,
  type ChainedEntry,
  type Manifest,
  type PackFiles,
} from './pack';

export type FindingKind = 'edited' | 'missing' | 'extra' | 'swapped' | 'removed' | 'reordered' | 'unsealed';

export interface Finding {
  file: string;
  kind: FindingKind;
  /** Where, as precisely as the pack allows: bytes and line, or timeline line and entry. */
  where?: string;
  detail: string;
}

export type Verdict =
  | { ok: true; incidentId: string; files: number; timelineEntries: number; seal: string }
  | { ok: false; incidentId?: string; findings: Finding[] };

const ManifestShape = z.object({
  format: z.literal(PACK_FORMAT),
  incidentId: z.string(),
  timeline: z.object({ entries: z.number().int(), head: z.string() }),
  files: z.array(
    z.object({ name: z.string(), bytes: z.number().int(), sha256: z.string(), blocks: z.array(z.string()) }),
  ),
  seal: z.string(),
});

/** The 1-based line a byte offset falls on. */
function lineAt(data: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < Math.min(offset, data.length); i++) if (data[i] === 0x0a) line++;
  return line;
}

/** Which blocks differ: "bytes 1024–2047 (from line 40)", and how the size changed. */
function whereChanged(expected: Manifest['files'][number], data: Buffer): string {
  const found = blockHashes(data);
  const changed: string[] = [];
  const blocks = Math.max(found.length, expected.blocks.length);
  for (let b = 0; b < blocks && changed.length < 3; b++) {
    if (found[b] === expected.blocks[b]) continue;
    const from = b * BLOCK_BYTES;
    const to = Math.min((b + 1) * BLOCK_BYTES, Math.max(data.length, expected.bytes)) - 1;
    changed.push(
      from < data.length
        ? `bytes ${from}–${to} (from line ${lineAt(data, from)})`
        : `bytes ${from}–${to} (cut off)`,
    );
  }
  const size =
    data.length === expected.bytes ? '' : `; ${expected.bytes} bytes expected, ${data.length} found`;
  return `${changed.join(', ')}${size}`;
}

/** For a JSON file that names another incident: it was taken from that incident's pack. */
function otherIncident(data: Buffer, incidentId: string): string | undefined {
  try {
    const parsed = JSON.parse(data.toString('utf8')) as { incidentId?: unknown };
    return typeof parsed.incidentId === 'string' && parsed.incidentId !== incidentId
      ? parsed.incidentId
      : undefined;
  } catch {
    return undefined;
  }
}

function checkTimeline(data: Buffer, manifest: Manifest): Finding[] {
  const findings: Finding[] = [];
  const lines = data.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const entries = lines.map((line) => {
    try {
      return JSON.parse(line) as ChainedEntry;
    } catch {
      return undefined;
    }
  });
  const seen = new Set<number>();
  const chainBreaks: Finding[] = [];
  let prev = CHAIN_START;
  let highest = 0;
  entries.forEach((entry, i) => {
    const where = `line ${i + 1}`;
    if (!entry) {
      findings.push({ file: TIMELINE, kind: 'edited', where, detail: 'not a JSON entry any more' });
      return;
    }
    const { hash, ...unhashed } = entry;
    if (entryHash(unhashed) !== hash) {
      findings.push({
        file: TIMELINE,
        kind: 'edited',
        where: `${where} (entry ${entry.seq})`,
        detail: 'its content does not match its hash',
      });
    } else if (entry.seq < highest) {
      findings.push({
        file: TIMELINE,
        kind: 'reordered',
        where: `${where} (entry ${entry.seq})`,
        detail: `entry ${entry.seq} is out of order: it comes after entry ${highest}`,
      });
    } else if (entry.prev !== prev) {
      chainBreaks.push({
        file: TIMELINE,
        kind: 'reordered',
        where: `${where} (entry ${entry.seq})`,
        detail: 'it does not follow the entry before it (the chain is broken)',
      });
    }
    seen.add(entry.seq);
    highest = Math.max(highest, entry.seq);
    prev = hash;
  });
  // Entries that should be there and are not, in runs: "entries 3–4", placed where they belonged.
  const total = Math.max(manifest.timeline.entries, highest);
  for (let seq = 1; seq <= total; seq++) {
    if (seen.has(seq)) continue;
    let last = seq;
    while (last + 1 <= total && !seen.has(last + 1)) last++;
    const before = entries.findIndex((e) => e && e.seq > last);
    findings.push({
      file: TIMELINE,
      kind: 'removed',
      where: before === -1 ? `end (after line ${lines.length})` : `before line ${before + 1}`,
      detail: `${seq === last ? `entry ${seq} is` : `entries ${seq}–${last} are`} missing`,
    });
    seq = last;
  }
  // A broken chain the above does not explain: an entry taken from elsewhere, or the chain re-made.
  if (!findings.length) findings.push(...chainBreaks);
  if (!findings.length && (lines.length !== manifest.timeline.entries || prev !== manifest.timeline.head)) {
    findings.push({
      file: TIMELINE,
      kind: 'edited',
      where: `end (line ${lines.length})`,
      detail: `the manifest records ${manifest.timeline.entries} entries ending in ${manifest.timeline.head.slice(0, 12)}…, found ${lines.length} ending in ${prev.slice(0, 12)}…`,
    });
  }
  return findings;
}

/**
 * `expectSeal`: the manifest seal recorded elsewhere (the incident's timeline when it archived
 * its pack): a pack rebuilt from scratch, manifest and all, is caught only by this.
 */
export function verifyPack(files: PackFiles, options: { expectSeal?: string } = {}): Verdict {
  const raw = files.get(MANIFEST);
  if (!raw)
    return {
      ok: false,
      findings: [{ file: MANIFEST, kind: 'missing', detail: 'no manifest: not an evidence pack' }],
    };
  let manifest: Manifest;
  try {
    const json: unknown = JSON.parse(raw.toString('utf8'));
    const parsed = ManifestShape.safeParse(json);
    if (!parsed.success)
      throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    // The whole manifest as written (the shape check drops fields it does not name): the seal covers all.
    manifest = json as Manifest;
  } catch (err) {
    return {
      ok: false,
      findings: [{ file: MANIFEST, kind: 'edited', detail: `unreadable: ${(err as Error).message}` }],
    };
  }
  const findings: Finding[] = [];
  const { seal, ...unsealed } = manifest;
  if (sealOf(unsealed) !== seal)
    findings.push({ file: MANIFEST, kind: 'edited', detail: 'its content does not match its seal' });
  if (options.expectSeal && options.expectSeal !== seal)
    findings.push({
      file: MANIFEST,
      kind: 'unsealed',
      detail: `sealed ${seal.slice(0, 12)}…, but the archived pack was sealed ${options.expectSeal.slice(0, 12)}…`,
    });

  for (const expected of manifest.files) {
    const data = files.get(expected.name);
    if (!data) {
      findings.push({
        file: expected.name,
        kind: 'missing',
        detail: 'listed in the manifest, not in the pack',
      });
      continue;
    }
    if (sha256(data) === expected.sha256) continue;
    // The timeline's own chain says where it changed, entry by entry (below); bytes only if it cannot.
    if (expected.name === TIMELINE && checkTimeline(data, manifest).length) continue;
    const other = otherIncident(data, manifest.incidentId);
    findings.push(
      other
        ? {
            file: expected.name,
            kind: 'swapped',
            detail: `it is incident ${other}'s, not ${manifest.incidentId}'s`,
          }
        : {
            file: expected.name,
            kind: 'edited',
            where: whereChanged(expected, data),
            detail: 'its SHA-256 differs from the manifest',
          },
    );
  }
  for (const name of files.keys())
    if (name !== MANIFEST && !manifest.files.some((f) => f.name === name))
      findings.push({ file: name, kind: 'extra', detail: 'not listed in the manifest' });

  const timeline = files.get(TIMELINE);
  if (timeline) findings.push(...checkTimeline(timeline, manifest));

  if (findings.length) return { ok: false, incidentId: manifest.incidentId, findings };
  return {
    ok: true,
    incidentId: manifest.incidentId,
    files: manifest.files.length + 1,
    timelineEntries: manifest.timeline.entries,
    seal,
  };
}

/** One line per finding, for a terminal. */
export function describeFinding(f: Finding): string {
  return `${f.file}${f.where ? ` at ${f.where}` : ''}: ${f.kind}: ${f.detail}`;
}
