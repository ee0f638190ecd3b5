/**
 * `lockout period`: high-risk periods (docs/readiness.md). `start` declares one (its readiness
 * workflow checks the rotas ahead, runs the continuous checks at the period's cadence, and sends
 * the vendor pack when asked and approved); `list`, `stop`, `approve-pack`, `reject-pack`.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Command } from 'commander';
import { declarePeriod, decideVendorPack, listPeriods, stopPeriod } from '../../client/periods';
import { parseDuration } from '../../domain/duration';
import { HighRiskPeriod, PERIOD_KINDS, type ReadinessState } from '../../domain/high-risk-period';
import { CliError, emit, table } from '../output';
import { withClient } from '../temporal';

interface StartOptions {
  from?: string;
  until: string;
  reason: string;
  kind: string;
  checkEvery: string;
  coverage: string;
  vendorPack?: string | boolean;
  packApprovers?: string;
  acknowledgeWithin?: string;
  by: string;
  json?: boolean;
}

/** An instant with offset as given, or a duration after `from` (`8h`, `3d`). */
function untilInstant(until: string, from: string): string {
  const duration = parseDuration(until);
  if (!('error' in duration)) return new Date(Date.parse(from) + duration.ms).toISOString();
  return until;
}

function periodFromOptions(id: string, o: StartOptions): HighRiskPeriod {
  const start = o.from ?? new Date().toISOString();
  const parsed = HighRiskPeriod.safeParse({
    id,
    kind: o.kind,
    reason: o.reason,
    start,
    until: untilInstant(o.until, start),
    checkEvery: o.checkEvery,
    coverageChecks: o.coverage === 'none' ? [] : o.coverage.split(',').map((s) => s.trim()),
    vendorPack: o.vendorPack
      ? {
          ahead: typeof o.vendorPack === 'string' ? o.vendorPack : '7d',
          ...(o.packApprovers ? { approvers: o.packApprovers } : {}),
        }
      : undefined,
    acknowledgeWithin: o.acknowledgeWithin,
  });
  if (!parsed.success) {
    const flag: Record<string, string> = {
      id: '<id>',
      start: '--from',
      until: '--until',
      checkEvery: '--check-every',
      coverageChecks: '--coverage',
      vendorPack: '--vendor-pack',
      'vendorPack.approvers': '--pack-approvers',
      acknowledgeWithin: '--acknowledge-within',
    };
    throw new CliError(
      parsed.error.issues
        .map((i) => {
          const field = i.path.join('.');
          return `${flag[field] ?? flag[String(i.path[0])] ?? `--${field}`}: ${i.message}`;
        })
        .join('\n'),
      2,
    );
  }
  return parsed.data;
}

function describe(state: ReadinessState | undefined): string[] {
  if (!state) return ['-', '-', '-', '-', '-'];
  const gaps = state.coverage.at(-1);
  return [
    state.phase,
    `${state.period.start.slice(0, 16)} → ${state.period.until.slice(0, 16)}`,
    gaps
      ? gaps.problem
        ? `check failed: ${gaps.problem}`
        : `${gaps.gaps.length} gap(s) (${gaps.ahead} ahead)`
      : 'not yet',
    `${state.checks.runs} run(s), every ${state.period.checkEvery}`,
    state.vendorPack.asked?.length
      ? `${state.vendorPack.state} (asked ${state.vendorPack.asked.map((a) => a.person).join(', ')})`
      : state.vendorPack.state,
  ];
}

/** A request to one period; an unknown id says so in the period's words. */
async function toPeriod(id: string, fn: (client: Client) => Promise<string>): Promise<string> {
  return withClient(async (client) => {
    try {
      return await fn(client);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        throw new CliError(`no period "${id}": check the id with \`lockout period list --all\``);
      throw err;
    }
  });
}

function answer(result: string, json: boolean | undefined, periodId: string): void {
  if (result.startsWith('refused')) throw new CliError(result);
  emit(json, { periodId, accepted: true, message: result }, () => `${periodId}: ${result}`);
}

export function periodCommand(): Command {
  const period = new Command('period').description(
    'High-risk periods (control reviews, SOC 2 windows, change freezes, planned changes): readiness ahead\n' +
      'and checks at a higher cadence while they last. Configured ones are in config/periods.yaml.',
  );
  // Set before the subcommands are made: they copy it (a usage error is exit 2, not process.exit(1)).
  period.exitOverride().showHelpAfterError('(add --help for usage)');

  period
    .command('start')
    .description('declare a high-risk period and start its readiness workflow (period-<id>)')
    .argument('<id>', 'lower-case letters, digits and "-", used once')
    .requiredOption('--until <when>', 'end: a date-time with offset, or a duration after the start (8h, 3d)')
    .requiredOption('--reason <text>', 'why this period is high-risk')
    .option('--from <when>', 'start: a date-time with offset (default: now)')
    .option('--kind <kind>', PERIOD_KINDS.join(', '), 'other')
    .option('--check-every <duration>', 'cadence of the continuous checks during the period', '15m')
    .option('--coverage <leads>', 'rota checks before the start, comma-separated, or "none"', '7d,24h')
    .option('--vendor-pack [ahead]', 'ask approval this long before the start (default 7d) and send the pack')
    .option(
      '--pack-approvers <target>',
      'who is asked to approve the vendor pack (directory target)',
      'compliance',
    )
    .option(
      '--acknowledge-within <duration>',
      'incidents opened during the period escalate when not acknowledged within this (e.g. 5m)',
    )
    .option('--by <who>', 'who declares it', process.env.USER ?? 'cli')
    .option('--json', 'print the outcome as JSON')
    .action(async (id: string, opts: StartOptions) => {
      const p = periodFromOptions(id, opts);
      const outcome = await withClient((client, config) =>
        declarePeriod(client, config.temporal.taskQueue, p, `cli:${opts.by}`),
      );
      if (outcome === 'already-declared')
        throw new CliError(
          `a period "${id}" was declared before: choose another id (lockout period list --all)`,
        );
      emit(opts.json, { periodId: id, workflowId: `period-${id}`, outcome, period: p }, () =>
        [
          `period ${id} declared (workflow period-${id}): ${p.start} → ${p.until}`,
          `  checks every ${p.checkEvery} during the period; rotas checked ${p.coverageChecks.join(', ') || 'never'} ahead` +
            (p.vendorPack ? `; vendor pack after approval, asked ${p.vendorPack.ahead} ahead` : ''),
        ].join('\n'),
      );
    });

  period
    .command('list')
    .description('running periods (--all: ended ones too), with coverage, checks and the vendor pack')
    .option('--all', 'include ended and stopped periods')
    .option('--json', 'print the periods as JSON')
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      const rows = await withClient((client) => listPeriods(client, opts));
      emit(opts.json, rows, () =>
        rows.length
          ? table([
              ['PERIOD', 'PHASE', 'WHEN (UTC)', 'ROTA COVERAGE', 'CHECKS', 'VENDOR PACK'],
              ...rows.map((r) => [r.id, ...describe(r.state)]),
            ])
          : 'No high-risk period running (add --all for ended ones).',
      );
    });

  period
    .command('stop')
    .description('end a period now: its checks stop, an unsent vendor pack is not sent')
    .argument('<id>', 'the period')
    .requiredOption('--by <who>', 'who stops it')
    .requiredOption('--reason <text>', 'why')
    .option('--json', 'print the outcome as JSON')
    .action(async (id: string, opts: { by: string; reason: string; json?: boolean }) => {
      answer(await toPeriod(id, (client) => stopPeriod(client, id, opts.by, opts.reason)), opts.json, id);
    });

  for (const [name, decision] of [
    ['approve-pack', 'approve'],
    ['reject-pack', 'reject'],
  ] as const) {
    period
      .command(name)
      .description(
        `${decision} sending the vendor-assessment pack before the period (when it awaits approval)`,
      )
      .argument('<id>', 'the period')
      .requiredOption('--by <who>', 'who decides')
      .option('--json', 'print the outcome as JSON')
      .action(async (id: string, opts: { by: string; json?: boolean }) => {
        answer(
          await toPeriod(id, (client) => decideVendorPack(client, id, opts.by, decision)),
          opts.json,
          id,
        );
      });
  }
  return period;
}
