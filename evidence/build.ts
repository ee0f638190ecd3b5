/**
 * A whole pack from an incident's evidence source: the files of pack.ts, the PDF printed from the
 * report (or a note saying why there is none), then the manifest over all of them.
 */
import type { EvidenceSource } from '../domain/evidence';
import { packContents, sealPack, type Manifest, type PackFiles, type PackMeta } from './pack';
import { printPdf } from './pdf';

export interface BuildOptions {
  meta: PackMeta;
  /** Chromium's path; `false`: no PDF (the manifest notes it). */
  chromium: string | false;
}

export async function buildPack(
  source: EvidenceSource,
  options: BuildOptions,
): Promise<{ files: PackFiles; manifest: Manifest }> {
  const files = packContents(source, options.meta);
  const notes: string[] = [];
  if (options.chromium === false) notes.push('report.pdf not printed: PDF turned off');
  else {
    const printed = await printPdf(files.get('report.html')!.toString('utf8'), options.chromium);
    if (printed.ok) files.set('report.pdf', printed.pdf);
    else notes.push(`report.pdf not printed: ${printed.reason}`);
  }
  return sealPack(source, files, options.meta, notes);
}
