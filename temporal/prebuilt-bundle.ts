/**
 * The workflow bundle built ahead of the workers (`npm run bundle`, the Docker image), as Temporal
 * advises for production: a worker given one starts without webpack (seconds, and its memory).
 * A comment line at the bundle's end (before its source map, so no line moves) says what it was
 * built from: a fingerprint of this checkout's code and whether it carries the tracing interceptors. A worker uses it only when both still hold; a
 * bundle of other code would replay running incidents with the wrong workflow code.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { bundleWorkflows } from './bundle';

const ROOT = join(__dirname, '..');
const HEADER_PREFIX = '// lockout-runbook workflow bundle: ';
const SOURCE_MAP_COMMENT = '//# sourceMappingURL=data:';

/** Code that never goes into a bundle; everything else the checkout holds in TypeScript does. */
const NOT_BUNDLED = new Set([
  'node_modules',
  '.git',
  '.tools',
  '.data',
  'dist',
  'test',
  'bench',
  'bench-results',
]);

const BundleHeader = z
  .object({
    fingerprint: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    tracing: z.boolean(),
    builtAt: z.string().datetime(),
  })
  .strict();
export type BundleHeader = z.infer<typeof BundleHeader>;

/** A file that is not a bundle this tool wrote: the operator named the wrong file. */
export class NotABundle extends Error {}

function sourceFiles(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !(dir === root && NOT_BUNDLED.has(e.name)))
    .flatMap((e) =>
      e.isDirectory()
        ? sourceFiles(root, join(dir, e.name))
        : e.name.endsWith('.ts')
          ? [join(dir, e.name)]
          : [],
    );
}

/**
 * Every TypeScript file outside tests and the bench, and the lockfile (the SDK's version): more
 * than the bundle holds, so any change of code makes a bundle stale rather than one slipping by.
 */
export function codeFingerprint(root = ROOT): string {
  const hash = createHash('sha256');
  const files = [...sourceFiles(root), join(root, 'package-lock.json')].sort();
  for (const file of files)
    hash
      .update(`${relative(root, file)}\0`)
      .update(readFileSync(file))
      .update('\0');
  return `sha256:${hash.digest('hex')}`;
}

export async function writePrebuiltBundle(
  workflowsPath: string,
  out: string,
  options: { tracing: boolean },
): Promise<{ header: BundleHeader; bytes: number }> {
  const { code } = await bundleWorkflows(workflowsPath, { tracing: options.tracing });
  const header: BundleHeader = {
    fingerprint: codeFingerprint(),
    tracing: options.tracing,
    builtAt: new Date().toISOString(),
  };
  const line = `${HEADER_PREFIX}${JSON.stringify(header)}\n`;
  const sourceMapAt = code.lastIndexOf(SOURCE_MAP_COMMENT);
  const text =
    sourceMapAt < 0
      ? `${code}\n${line}`
      : code.slice(0, sourceMapAt).replace(/\n?$/, '\n') + line + code.slice(sourceMapAt);
  writeFileSync(out, text);
  return { header, bytes: Buffer.byteLength(text) };
}

/** What a worker does with a prebuilt bundle: use it, or say why it bundles at start instead. */
export type BundleChoice = { use: true; header: BundleHeader } | { use: false; reason: string };

/** Throws NotABundle for a file this tool did not write (or cannot read). */
export function checkPrebuiltBundle(path: string, wanted: { tracing: boolean }): BundleChoice {
  let line: string;
  try {
    const text = readFileSync(path, 'utf8');
    const at = text.lastIndexOf(`\n${HEADER_PREFIX}`);
    const end = text.indexOf('\n', at + 1);
    line = at < 0 ? '' : text.slice(at + 1 + HEADER_PREFIX.length, end < 0 ? undefined : end);
  } catch (err) {
    throw new NotABundle(`cannot read ${path}: ${(err as Error).message}`);
  }
  if (!line) throw new NotABundle(`${path} is not a workflow bundle written by \`npm run bundle\``);
  let header: BundleHeader;
  try {
    header = BundleHeader.parse(JSON.parse(line));
  } catch {
    throw new NotABundle(`${path}: its bundle line is not one \`npm run bundle\` writes`);
  }
  if (header.fingerprint !== codeFingerprint())
    return { use: false, reason: `it was built ${header.builtAt} from other code than this worker's` };
  if (header.tracing !== wanted.tracing)
    return {
      use: false,
      reason: header.tracing
        ? 'it carries the tracing interceptors and tracing is off here'
        : 'tracing is on here and it was built without the tracing interceptors',
    };
  return { use: true, header };
}
