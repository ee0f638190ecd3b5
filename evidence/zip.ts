/**
 * A pack as one .zip (fflate): the same files, fixed times, so the same pack zips to the same
 * bytes. `verify` reads a .zip as it reads a directory.
 */
import { unzipSync, zipSync, type Zippable } from 'fflate';
import type { PackFiles } from './pack';

/** 1980-01-01, the earliest time a zip can hold: no build time leaks into the archive. */
const FIXED_TIME = new Date(Date.UTC(1980, 0, 1));

export function zipPack(files: PackFiles, folder: string): Buffer {
  const entries: Zippable = {};
  for (const [name, data] of [...files.entries()].sort(([a], [b]) => a.localeCompare(b)))
    entries[`${folder}/${name}`] = [new Uint8Array(data), { mtime: FIXED_TIME }];
  return Buffer.from(zipSync(entries, { level: 6 }));
}

/** The files of a zipped pack, by name (the folder inside the zip, if any, dropped). */
export function unzipPack(zip: Buffer): PackFiles {
  const files: PackFiles = new Map();
  for (const [path, data] of Object.entries(unzipSync(new Uint8Array(zip)))) {
    if (path.endsWith('/')) continue;
    files.set(path.split('/').pop()!, Buffer.from(data));
  }
  return files;
}
