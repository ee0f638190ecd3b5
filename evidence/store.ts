/**
 * The evidence store: where incidents archive their packs when they close. A directory (or a
 * mounted volume) by default, one folder per incident, written once: a pack is written into a
 * temporary folder and renamed into place, so a reader never sees half a pack, and a second
 * archive of the same incident (an activity retried, a second worker) finds the first one there,
 * checks it, and leaves it as it is.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { readPack, writePackDir } from './files';
import { MANIFEST, type Manifest, type PackFiles } from './pack';
import { verifyPack, describeFinding } from './verify';

export type ArchiveOutcome =
  /** Written now. */
  | { outcome: 'archived'; location: string; seal: string; notes: string[] }
  /** A pack of this incident was already there, intact: kept, not overwritten. */
  | { outcome: 'already-archived'; location: string; seal: string; notes: string[] };

export interface EvidenceStore {
  /** Where the store is, for messages. */
  readonly description: string;
  /** `build` runs only when the store has no pack of this incident yet. */
  archive(
    incidentId: string,
    build: () => Promise<{ files: PackFiles; manifest: Manifest }>,
  ): Promise<ArchiveOutcome>;
  /** Where the incident's archived pack is (a folder, an s3:// URL), if there is a whole one. */
  locate(incidentId: string): Promise<string | undefined>;
  /** Every archived pack, newest first, as its manifest describes it. */
  list(): Promise<ArchivedPack[]>;
  /** One file of an archived pack; undefined when there is no such pack or file, or the name is not plain. */
  read(incidentId: string, file: string): Promise<Buffer | undefined>;
  /** Every file in the incident's pack folder, as stored (to verify or hand to an auditor). */
  pack(incidentId: string): Promise<PackFiles | undefined>;
}

export interface ArchivedPack {
  incidentId: string;
  location: string;
  generatedAt: string;
  runbook: string;
  seal: string;
  /** The pack's files (manifest.json included), for links. */
  files: string[];
}

/** A file name a pack may hold: no path, nothing hidden. */
export const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

/** An archived pack as the list shows it, from its manifest. */
export function archivedPack(manifest: Manifest, location: string): ArchivedPack {
  return {
    incidentId: manifest.incidentId,
    location,
    generatedAt: manifest.generatedAt,
    runbook: `${manifest.runbook.id} v${manifest.runbook.version}`,
    seal: manifest.seal,
    files: ['manifest.json', ...manifest.files.map((f) => f.name)],
  };
}

/** Newest first. */
export const byGeneratedDesc = (a: ArchivedPack, b: ArchivedPack): number =>
  b.generatedAt.localeCompare(a.generatedAt);

/**
 * The pack already in place: kept if intact and this incident's, refused otherwise (never
 * overwritten: an auditor needs to see what was changed).
 */
export function keepExisting(incidentId: string, location: string, files: PackFiles): ArchiveOutcome {
  const verdict = verifyPack(files);
  if (!verdict.ok)
    throw new Error(
      `the evidence store already holds a pack for ${incidentId} at ${location}, and it does not verify (${verdict.findings
        .slice(0, 3)
        .map(describeFinding)
        .join('; ')}): it is left as it is for investigation, never overwritten`,
    );
  if (verdict.incidentId !== incidentId)
    throw new Error(`${location} holds the pack of ${verdict.incidentId}, not ${incidentId}: left as it is`);
  return { outcome: 'already-archived', location, seal: verdict.seal, notes: [] };
}

/** A folder name for an incident id: ids are `lockout-<fingerprint>`; anything else is escaped. */
export function folderFor(incidentId: string): string {
  return PLAIN_NAME.test(incidentId) ? incidentId : encodeURIComponent(incidentId);
}

export function directoryStore(root: string): EvidenceStore {
  const folder = (incidentId: string) => join(root, folderFor(incidentId));
  const whole = (incidentId: string) => {
    const dir = folder(incidentId);
    return existsSync(join(dir, MANIFEST)) ? dir : undefined;
  };

  const list = (): ArchivedPack[] => {
    if (!existsSync(root)) return [];
    return readdirSync(root)
      .filter((name) => !name.startsWith('.'))
      .flatMap((name) => {
        try {
          const manifest = JSON.parse(readFileSync(join(root, name, MANIFEST), 'utf8')) as Manifest;
          return [archivedPack(manifest, join(root, name))];
        } catch {
          return []; // not a pack (or not readable): `lockout evidence verify` says why
        }
      })
      .sort(byGeneratedDesc);
  };

  return {
    description: root,
    locate: async (incidentId) => whole(incidentId),
    list: async () => list(),
    async read(incidentId, file) {
      const dir = whole(incidentId);
      if (!dir || !PLAIN_NAME.test(file)) return undefined;
      try {
        return readFileSync(join(dir, file));
      } catch {
        return undefined;
      }
    },
    async pack(incidentId) {
      const dir = folder(incidentId);
      return existsSync(dir) ? readPack(dir) : undefined;
    },
    async archive(incidentId, build) {
      mkdirSync(root, { recursive: true });
      const dir = folder(incidentId);
      if (existsSync(dir)) return keepExisting(incidentId, dir, readPack(dir));
      const { files, manifest } = await build();
      const incoming = mkdtempSync(join(root, '.incoming-'));
      try {
        writePackDir(join(incoming, 'pack'), files);
        try {
          renameSync(join(incoming, 'pack'), dir);
        } catch (err) {
          // Another worker put its pack in place first: that one stands.
          const code = (err as NodeJS.ErrnoException).code;
          if ((code === 'EEXIST' || code === 'ENOTEMPTY') && existsSync(dir))
            return keepExisting(incidentId, dir, readPack(dir));
          throw err;
        }
        chmodSync(dir, 0o555);
        return { outcome: 'archived', location: dir, seal: manifest.seal, notes: manifest.notes };
      } finally {
        rmSync(incoming, { recursive: true, force: true });
      }
    },
  };
}
