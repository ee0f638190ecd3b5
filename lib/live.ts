/**
 * A file-backed value that follows edits: reloaded when the file changes, and if an edit breaks
 * it, the last good version stays in use (and the problem is reported once per change).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function live<T>(stampOf: () => string, load: () => T, onError: (err: Error) => void): () => T {
  let stamp: string | undefined;
  let value: T | undefined;
  let loaded = false;
  return () => {
    const current = stampOf();
    if (current !== stamp) {
      stamp = current;
      try {
        value = load();
        loaded = true;
      } catch (err) {
        onError(err as Error);
        if (!loaded) throw err;
      }
    }
    return value as T;
  };
}

/** Modification stamp of files: changes when any of them changes. */
export function mtimeStamp(...paths: string[]): string {
  return paths
    .map((p) => {
      try {
        return String(statSync(p).mtimeMs);
      } catch {
        return 'missing';
      }
    })
    .join(',');
}

/** Stamp of a directory's files: changes when one is added, removed or edited. */
export function dirStamp(dir: string): string {
  let files: string[];
  try {
    files = readdirSync(dir).map((f) => join(dir, f));
  } catch {
    return 'missing';
  }
  return `${files.join('|')}:${mtimeStamp(...files)}`;
}
