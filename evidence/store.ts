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
import type { Manifest, PackFiles } from './pack';
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
  /** The incident's archived pack folder, if there is one. */
  locate(incidentId: string): string | undefined;
  /** Every archived pack, newest first, as its manifest describes it. */
  list(): ArchivedPack[];
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

/** A folder name for an incident id: ids are `lockout-<fingerprint>`; anything else is escaped. */
export function folderFor(incidentId: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/.test(incidentId) ? incidentId : encodeURIComponent(incidentId);
}

export function directoryStore(root: string): EvidenceStore {
  const locate = (incidentId: string) => {
    const dir = join(root, folderFor(incidentId));
    return existsSync(join(dir, 'manifest.json')) ? dir : undefined;
  };

  /** The pack already in place: kept if intact and this incident's, refused otherwise. */
  const existing = (incidentId: string, dir: string): ArchiveOutcome => {
    const verdict = verifyPack(readPack(dir));
    if (!verdict.ok)
      throw new Error(
        `the evidence store already holds a pack for ${incidentId} at ${dir}, and it does not verify (${verdict.findings
          .slice(0, 3)
          .map(describeFinding)
          .join('; ')}): it is left as it is for investigation, never overwritten`,
      );
    if (verdict.incidentId !== incidentId)
      throw new Error(`${dir} holds the pack of ${verdict.incidentId}, not ${incidentId}: left as it is`);
    return { outcome: 'already-archived', location: dir, seal: verdict.seal, notes: [] };
  };

  const list = (): ArchivedPack[] => {
    if (!existsSync(root)) return [];
    return readdirSync(root)
      .filter((name) => !name.startsWith('.'))
      .flatMap((name) => {
        try {
          const manifest = JSON.parse(readFileSync(join(root, name, 'manifest.json'), 'utf8')) as Manifest;
          return [
            {
              incidentId: manifest.incidentId,
              location: join(root, name),
              generatedAt: manifest.generatedAt,
              runbook: `${manifest.runbook.id} v${manifest.runbook.version}`,
              seal: manifest.seal,
              files: ['manifest.json', ...manifest.files.map((f) => f.name)],
            },
          ];
        } catch {
          return []; // not a pack (or not readable): `lockout evidence verify` says why
        }
      })
      .sort((a, b) => b.generatedAt.localeCompare(a.generatedAt));
  };

  return {
    description: root,
    locate,
    list,
    async archive(incidentId, build) {
      mkdirSync(root, { recursive: true });
      const dir = join(root, folderFor(incidentId));
      if (existsSync(dir)) return existing(incidentId, dir);
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
            return existing(incidentId, dir);
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
