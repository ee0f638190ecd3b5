/** Packs on disk: written into a new (or empty) directory, read back by name. */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PackFiles } from './pack';
import { unzipPack } from './zip';

/** Writes the files into `dir`, which must be new or empty: a pack is never mixed with another. */
export function writePackDir(dir: string, files: PackFiles): void {
  if (existsSync(dir) && readdirSync(dir).length)
    throw new Error(`${dir} is not empty: give --out a new directory (a pack is never written over another)`);
  mkdirSync(dir, { recursive: true });
  for (const [name, data] of files) writeFileSync(join(dir, name), data, { mode: 0o444 });
}

/** A pack directory or .zip as files by name. */
export function readPack(path: string): PackFiles {
  if (statSync(path).isFile()) return unzipPack(readFileSync(path));
  const files: PackFiles = new Map();
  for (const name of readdirSync(path)) {
    const file = join(path, name);
    if (statSync(file).isFile()) files.set(name, readFileSync(file));
  }
  return files;
}
