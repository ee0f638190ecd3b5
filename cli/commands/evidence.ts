/**
 * `lockout evidence <incident>`: an incident's evidence pack (docs/evidence.md), running or
 * closed, into a new directory (and a .zip with --zip); `lockout evidence verify <dir|zip>`:
 * whether a pack is as it was made, and where it is not; `list` and `fetch` (evidence-store.ts):
 * the packs archived on close.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { configuredLedger } from '../../client/crisis-budget';
import { EvidenceUnavailable, readEvidenceSource } from '../../client/evidence-source';
import { loadConfig } from '../../config/env';
import { buildPack } from '../../evidence/build';
import { readPack, writePackDir } from '../../evidence/files';
import { TOOL } from '../../evidence/tool';
import { describeFinding, verifyPack } from '../../evidence/verify';
import { zipPack } from '../../evidence/zip';
import { CliError, emit } from '../output';
import { fetchCommand, listCommand } from './evidence-store';
import { incidentId, withClient } from '../temporal';

/** `verify` exit codes: 0 intact, 1 changed (findings name where), 2 usage or not readable. */
export const VERIFY_EXIT = { intact: 0, changed: 1, unreadable: 2 } as const;

function verifyCommand(): Command {
  return new Command('verify')
    .description(
      'Check an evidence pack (a directory or its .zip) against its manifest: every file, every timeline entry.\n' +
        'Exit code 0: intact; 1: changed (each change named: file, bytes and line, or timeline entry); 2: not a readable pack.',
    )
    .argument('<pack>', 'the pack directory, or its .zip')
    .option(
      '--seal <sha256>',
      'the seal the archived pack had (the incident timeline records it): catches a pack rebuilt from scratch',
    )
    .option('--json', 'print the verdict as JSON')
    .action((path: string, _opts: unknown, command: Command) => {
      // `--json` after `verify` may land on `evidence` itself, which has one too: take either.
      const opts = command.optsWithGlobals<{ json?: boolean; seal?: string }>();
      let files;
      try {
        files = readPack(resolve(path));
      } catch (err) {
        throw new CliError(`cannot read ${path}: ${(err as Error).message}`, VERIFY_EXIT.unreadable);
      }
      const verdict = verifyPack(files, { expectSeal: opts.seal });
      const notAPack =
        !verdict.ok &&
        verdict.findings.length === 1 &&
        verdict.findings[0]!.file === 'manifest.json' &&
        verdict.findings[0]!.kind === 'missing';
      emit(opts.json, { path, ...verdict }, () =>
        verdict.ok
          ? `intact: ${verdict.incidentId}, ${verdict.files} files, ${verdict.timelineEntries} timeline entries, seal ${verdict.seal}`
          : [
              `CHANGED: ${path}${verdict.incidentId ? ` (${verdict.incidentId})` : ''}`,
              ...verdict.findings.map((f) => `  ${describeFinding(f)}`),
            ].join('\n'),
      );
      process.exitCode = verdict.ok
        ? VERIFY_EXIT.intact
        : notAPack
          ? VERIFY_EXIT.unreadable
          : VERIFY_EXIT.changed;
    });
}

export function evidenceCommand(): Command {
  return new Command('evidence')
    .description(
      "Write an incident's evidence pack: manifest, hash-chained timeline, alerts, decisions, clocks, deliveries,\n" +
        'remediation, control mapping, GDPR Art. 33(5) record, crisis budget ledger, report.html and report.pdf (docs/evidence.md)',
    )
    .argument('<incident>', 'incident id (lockout-… ; the prefix may be omitted), running or closed')
    .option('--out <dir>', 'a new or empty directory to write the pack into (default: ./evidence-<incident>)')
    .option('--zip', 'also write <dir>.zip')
    .option('--no-pdf', 'leave out report.pdf (no Chromium needed)')
    .option('--json', 'print the manifest as JSON')
    .action(async (id: string, opts: { out?: string; zip?: boolean; pdf: boolean; json?: boolean }) => {
      const incident = incidentId(id);
      const out = resolve(opts.out ?? `evidence-${incident}`);
      const chromium = opts.pdf ? loadConfig().evidence.chromium : false;
      const { files, manifest } = await withClient(async (client) => {
        try {
          const source = await readEvidenceSource(client, incident);
          const generatedAt = new Date().toISOString();
          const ledger = configuredLedger(source.status, generatedAt);
          if ('budgetProblem' in ledger)
            process.stderr.write(`lockout evidence: no budget.json in the pack: ${ledger.budgetProblem}\n`);
          return await buildPack(source, {
            chromium,
            meta: { generatedAt, tool: TOOL, ...('budget' in ledger ? { budget: ledger.budget } : {}) },
          });
        } catch (err) {
          if (err instanceof EvidenceUnavailable) throw new CliError(err.message);
          throw err;
        }
      });
      try {
        writePackDir(out, files);
        if (opts.zip) writeFileSync(`${out}.zip`, zipPack(files, `evidence-${incident}`), { flag: 'wx' });
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      emit(opts.json, { path: out, ...(opts.zip ? { zip: `${out}.zip` } : {}), manifest }, () =>
        [
          `wrote ${manifest.files.length + 1} files to ${out}${opts.zip ? ` and ${out}.zip` : ''}`,
          `seal ${manifest.seal}`,
          ...manifest.notes.map((n) => `note: ${n}`),
        ].join('\n'),
      );
    })
    .addCommand(verifyCommand().exitOverride().showHelpAfterError('(add --help for usage)'))
    .addCommand(listCommand().exitOverride().showHelpAfterError('(add --help for usage)'))
    .addCommand(fetchCommand().exitOverride().showHelpAfterError('(add --help for usage)'));
}
