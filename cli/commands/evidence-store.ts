/**
 * `lockout evidence list` and `lockout evidence fetch <incident>`: the packs closing incidents
 * archived, from whichever store is configured (a directory or an S3 bucket), for an auditor.
 * Neither needs Temporal: they read the store only.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../../config/env';
import { writePackDir } from '../../evidence/files';
import { evidenceStoreFromConfig } from '../../evidence/from-config';
import { MANIFEST } from '../../evidence/pack';
import { folderFor } from '../../evidence/store';
import { CliError, emit, table } from '../output';
import { incidentId } from '../temporal';

const STORE_HELP =
  'The store is LOCKOUT_EVIDENCE_S3_BUCKET when set (credentials from the AWS SDK chain), else LOCKOUT_EVIDENCE_DIR (docs/evidence.md).';

const store = () => evidenceStoreFromConfig(loadConfig().evidence);

export function listCommand(): Command {
  return new Command('list')
    .summary('list the evidence packs archived on close (directory or S3 store)')
    .description(`List the evidence packs archived on close, newest first.\n${STORE_HELP}`)
    .option('--json', 'print the packs as JSON')
    .action(async (_opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<{ json?: boolean }>();
      const evidence = store();
      const packs = await evidence.list();
      emit(opts.json, packs, () =>
        packs.length
          ? table([
              ['INCIDENT', 'GENERATED', 'RUNBOOK', 'SEAL', 'LOCATION'],
              ...packs.map((p) => [p.incidentId, p.generatedAt, p.runbook, p.seal, p.location]),
            ])
          : `no archived evidence packs in ${evidence.description}`,
      );
    });
}

export function fetchCommand(): Command {
  return new Command('fetch')
    .summary("copy an incident's archived pack out of the store into a new directory")
    .description(
      "Copy an incident's archived evidence pack out of the store, as stored, into a new directory;\n" +
        `then \`lockout evidence verify <dir>\` checks it. ${STORE_HELP}`,
    )
    .argument('<incident>', 'incident id (lockout-… ; the prefix may be omitted)')
    .option('--out <dir>', 'a new or empty directory to write the pack into (default: ./evidence-<incident>)')
    .option('--json', 'print what was written as JSON')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<{ json?: boolean; out?: string }>();
      const incident = incidentId(id);
      const evidence = store();
      const files = await evidence.pack(incident);
      if (!files?.has(MANIFEST))
        throw new CliError(
          files
            ? `the pack of ${incident} in ${evidence.description} has no ${MANIFEST}: an archive that did not finish (the next archive of the incident completes it)`
            : `no archived evidence pack of ${incident} in ${evidence.description} (\`lockout evidence list\` shows what is there)`,
        );
      const out = resolve(opts.out ?? `evidence-${folderFor(incident)}`);
      try {
        writePackDir(out, files);
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      const location = await evidence.locate(incident);
      emit(opts.json, { incidentId: incident, path: out, location, files: [...files.keys()] }, () =>
        [
          `wrote ${files.size} files of the archived pack of ${incident} (${location}) to ${out}`,
          `check it: lockout evidence verify ${out}`,
        ].join('\n'),
      );
    });
}
