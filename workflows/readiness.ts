/**
 * One high-risk period, from its declaration to its end (`period-<id>`). Three things run
 * side by side, each waiting for its moment on the workflow clock:
 *
 * - the coverage checks ahead (default 7 days and 24 hours before the start): every stretch of the
 *   period without an engineer or a compliance responder on call is told to the rota owners;
 * - the vendor-assessment pack, when the period asks for it: approval is asked `vendorPack.ahead`
 *   before the start, the pack goes out once when approved, and not at all if nobody approves
 *   before the start;
 * - the continuous checks at the period's cadence while it lasts: each run is an `expiryWatch`
 *   child, the same workflow the hourly schedule starts, so after the period the schedule's own
 *   cadence is all that is left.
 *
 * The record and its reducers are in domain/high-risk-period.ts; `stopPeriod` ends it early.
 */
import {
  ApplicationFailure,
  condition,
  continueAsNew,
  executeChild,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { durationMs } from '../domain/duration';
import type { ExpiryWatchReport } from '../domain/expiry-watch';
import {
  decideVendorPack,
  initialReadiness,
  periodInputSchemas,
  readinessMilestones,
  recordRefusal,
  refusalReason,
  stopPeriod,
  type HighRiskPeriod,
  type ReadinessState,
} from '../domain/high-risk-period';
import { expiryWatch } from './expiry-watch';
import { decideVendorPackUpdate, periodStatusQuery, stopPeriodUpdate } from './readiness-messages';

export interface ReadinessInput {
  period: HighRiskPeriod;
  /** `configuration` or `cli:<who>`. */
  declaredBy: string;
  /** Carried over continue-as-new. */
  carried?: ReadinessState;
  /** History length after which the period continues as new (tests set it low). */
  historyLimit?: number;
}

const { checkRotaCoverage, tellRotaGaps, askVendorPackApproval } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 10, maximumInterval: '1m' },
});
const { sendPeriodVendorPack } = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: { maximumAttempts: 5, maximumInterval: '1m' },
});

const HISTORY_BEFORE_CONTINUE = 10_000;
/** The vendor pack's approvers are asked by email when approval is due. */
const ASK_PACK_APPROVERS_PATCH = 'vendor-pack-approvers-asked';

function reasonOf(err: unknown): string {
  const cause = (err as { cause?: { message?: string } }).cause;
  return cause?.message ?? (err as Error).message;
}

export async function highRiskPeriod(input: ReadinessInput): Promise<ReadinessState> {
  let state = input.carried ?? initialReadiness(input.period, input.declaredBy);
  const { period } = state;
  const schemas = periodInputSchemas();
  const now = () => new Date().toISOString();
  const ended = () => state.phase === 'stopped' || state.phase === 'over';
  /** Sleeps until `at` (ms); false when the period was stopped meanwhile. */
  const until = async (at: number): Promise<boolean> => {
    const ms = at - Date.now();
    if (ms > 0) await condition(() => state.phase === 'stopped', ms);
    return state.phase !== 'stopped';
  };

  setHandler(periodStatusQuery, () => state);
  setHandler(stopPeriodUpdate, (raw) => {
    const parsed = schemas.stopPeriod.safeParse(raw);
    const result = parsed.success
      ? stopPeriod(state, parsed.data, now())
      : { refused: refusalReason(parsed.error) };
    if ('refused' in result) {
      state = recordRefusal(state, now(), 'stopPeriod', result.refused);
      return `refused: ${result.refused}`;
    }
    state = result.state;
    log.info('period stopped', { periodId: period.id });
    return 'accepted';
  });
  setHandler(decideVendorPackUpdate, (raw) => {
    const parsed = schemas.decideVendorPack.safeParse(raw);
    const result = parsed.success
      ? decideVendorPack(state, parsed.data, now())
      : { refused: refusalReason(parsed.error) };
    if ('refused' in result) {
      state = recordRefusal(state, now(), 'decideVendorPack', result.refused);
      return `refused: ${result.refused}`;
    }
    state = result.state;
    return 'accepted';
  });

  const milestones = readinessMilestones(period);

  async function coverageChecks(): Promise<void> {
    const done = new Set(state.coverage.map((c) => c.ahead));
    const pending = milestones.coverage.filter((m) => !done.has(m.ahead));
    for (const [i, m] of pending.entries()) {
      // Declared late: of the checks already due, only the latest runs (the others would say the same).
      const next = pending[i + 1];
      if (next && next.at <= Date.now()) continue;
      if (!(await until(m.at))) return;
      if (Date.now() >= milestones.until) return;
      const from = new Date(Math.max(Date.now(), milestones.start)).toISOString();
      const at = now();
      try {
        const gaps = await checkRotaCoverage({
          from,
          until: period.until,
          roles: period.coverageRoles,
          gapsTo: period.gapsTo,
        });
        const told = gaps.length
          ? await tellRotaGaps({
              periodId: period.id,
              instance: period.start,
              ahead: m.ahead,
              reason: period.reason,
              gaps,
            })
          : [];
        state = { ...state, coverage: [...state.coverage, { ahead: m.ahead, at, gaps, told }] };
      } catch (err) {
        state = {
          ...state,
          coverage: [...state.coverage, { ahead: m.ahead, at, gaps: [], told: [], problem: reasonOf(err) }],
        };
      }
    }
  }

  /** Periods declared before this asked nobody: their approval showed in `lockout period list` only. */
  async function askApprovers(): Promise<void> {
    try {
      const asked = await askVendorPackApproval({
        periodId: period.id,
        instance: period.start,
        reason: period.reason,
        approvers: period.vendorPack?.approvers ?? 'compliance',
        start: period.start,
      });
      state = { ...state, vendorPack: { ...state.vendorPack, asked } };
    } catch (err) {
      state = { ...state, vendorPack: { ...state.vendorPack, summary: `nobody asked: ${reasonOf(err)}` } };
    }
  }

  async function vendorPack(): Promise<void> {
    if (milestones.vendorPackAt === undefined) return;
    if (state.vendorPack.state === 'waiting') {
      if (!(await until(milestones.vendorPackAt))) return;
      if (Date.now() >= milestones.start) {
        state = { ...state, vendorPack: { state: 'expired', at: now() } };
        return;
      }
      state = { ...state, vendorPack: { state: 'awaiting-approval', at: now() } };
      if (patched(ASK_PACK_APPROVERS_PATCH)) await askApprovers();
    }
    if (state.vendorPack.state === 'awaiting-approval') {
      const decided = await condition(
        () => state.vendorPack.state !== 'awaiting-approval' || state.phase === 'stopped',
        Math.max(1, milestones.start - Date.now()),
      );
      if (!decided) {
        state = {
          ...state,
          vendorPack: { state: 'expired', at: now(), summary: 'nobody approved before the start' },
        };
        return;
      }
    }
    if (state.vendorPack.state !== 'sending' || state.phase === 'stopped') return;
    try {
      const result = await sendPeriodVendorPack({
        periodId: period.id,
        instance: period.start,
        reason: period.reason,
      });
      state = {
        ...state,
        vendorPack: { ...state.vendorPack, state: result.ok ? 'sent' : 'failed', summary: result.summary },
      };
    } catch (err) {
      state = { ...state, vendorPack: { ...state.vendorPack, state: 'failed', summary: reasonOf(err) } };
    }
  }

  async function checksDuringPeriod(): Promise<void> {
    if (!(await until(milestones.start))) return;
    const every = durationMs(period.checkEvery);
    if (state.phase === 'ahead') state = { ...state, phase: 'during' };
    while (state.phase === 'during' && Date.now() < milestones.until) {
      const n = state.checks.runs + 1;
      const at = now();
      let report: ExpiryWatchReport | undefined;
      let problems = 0;
      try {
        report = await executeChild(expiryWatch, {
          // From the period, not this run's id: the same child ids on replay, whatever runs it.
          workflowId: `period-${period.id}-check-${n}`,
          staticSummary: `Continuous checks of high-risk period ${period.id} (every ${period.checkEvery})`,
        });
      } catch (err) {
        // A run that lost alerts still says what it checked.
        const details = (err as { cause?: unknown }).cause;
        const lost =
          details instanceof ApplicationFailure ? (details.details?.[0] as ExpiryWatchReport) : undefined;
        report = lost;
        problems = 1;
      }
      const rows = report?.rows ?? [];
      state = {
        ...state,
        checks: {
          runs: n,
          last: {
            at,
            rows: rows.length,
            alerts: rows.filter((r) => r.incident).length,
            problems: problems + rows.filter((r) => r.problem || r.level === 'source-failed').length,
          },
        },
      };
      if (!(await until(Math.min(Date.now() + every, milestones.until)))) return;
      if (aheadDone && workflowInfo().historyLength > (input.historyLimit ?? HISTORY_BEFORE_CONTINUE))
        await continueAsNew<typeof highRiskPeriod>({ ...input, carried: state });
    }
  }

  // Continue-as-new waits for these: a pack half sent must not be sent again by a fresh run.
  let aheadDone = false;
  const ahead = Promise.all([coverageChecks(), vendorPack()]).then(() => {
    aheadDone = true;
  });
  await Promise.all([ahead, checksDuringPeriod()]);
  if (!ended()) state = { ...state, phase: 'over' };
  return state;
}
