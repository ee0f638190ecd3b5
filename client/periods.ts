/**
 * High-risk periods in Temporal: one readiness workflow `period-<id>` per period
 * (workflows/readiness.ts). Declared from configuration (config/periods.yaml, by `npm start`) or
 * from the CLI; an id is used once, so declaring the same period again changes nothing.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { HighRiskPeriod, PeriodsFile, type ReadinessState } from '../domain/high-risk-period';
import { loadYamlFile } from '../lib/yaml-file';
import { decideVendorPackUpdate, periodStatusQuery, stopPeriodUpdate } from '../workflows/readiness-messages';
import { PERIOD_WORKFLOW_TYPE, periodWorkflowId } from './ids';

export function loadPeriodsFile(file: string): PeriodsFile {
  return loadYamlFile(file, PeriodsFile);
}

export type DeclareOutcome = 'started' | 'already-declared';

export async function declarePeriod(
  client: Client,
  taskQueue: string,
  period: HighRiskPeriod,
  declaredBy: string,
): Promise<DeclareOutcome> {
  try {
    await client.workflow.start(PERIOD_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: periodWorkflowId(period.id),
      args: [{ period, declaredBy }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      staticSummary: `High-risk period ${period.id} (${period.kind}): ${period.reason}`,
      // The intake reads when it runs from visibility, without asking the workflow (activePeriodsSource).
      memo: {
        start: period.start,
        until: period.until,
        ...(period.acknowledgeWithin ? { acknowledgeWithin: period.acknowledgeWithin } : {}),
      },
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already-declared';
    throw err;
  }
}

/** Every period of the file, each started once (safe to repeat at every `npm start`). */
export async function ensureConfiguredPeriods(
  client: Client,
  taskQueue: string,
  file: PeriodsFile,
): Promise<Record<string, DeclareOutcome>> {
  const outcomes: Record<string, DeclareOutcome> = {};
  for (const period of file.periods)
    outcomes[period.id] = await declarePeriod(client, taskQueue, period, 'configuration');
  return outcomes;
}

export interface PeriodSummary {
  id: string;
  running: boolean;
  state?: ReadinessState;
  problem?: string;
}

/** Periods known to Temporal, newest first; the state of each from its workflow (or its result). */
export async function listPeriods(client: Client, options: { all?: boolean } = {}): Promise<PeriodSummary[]> {
  const query = [`WorkflowType = '${PERIOD_WORKFLOW_TYPE}'`];
  if (!options.all) query.push(`ExecutionStatus = 'Running'`);
  const rows: PeriodSummary[] = [];
  for await (const w of client.workflow.list({ query: query.join(' AND ') })) {
    const id = w.workflowId.replace(/^period-/, '');
    const running = w.status.name === 'RUNNING';
    try {
      const handle = client.workflow.getHandle(w.workflowId, w.runId);
      const state = running
        ? await handle.query(periodStatusQuery)
        : w.status.name === 'COMPLETED'
          ? ((await handle.result()) as ReadinessState)
          : undefined;
      rows.push({
        id,
        running,
        state,
        problem: state ? undefined : `workflow ${w.status.name.toLowerCase()}`,
      });
    } catch (err) {
      rows.push({ id, running, problem: (err as Error).message.split('\n')[0] });
    }
  }
  return rows;
}

export function periodStatus(client: Client, periodId: string): Promise<ReadinessState> {
  return client.workflow.getHandle(periodWorkflowId(periodId)).query(periodStatusQuery);
}

/** `accepted` or `refused: <reason>`, as the workflow answered. */
export function stopPeriod(client: Client, periodId: string, by: string, reason: string): Promise<string> {
  return client.workflow.getHandle(periodWorkflowId(periodId)).executeUpdate(stopPeriodUpdate, {
    args: [{ by, reason }],
  });
}

export function decideVendorPack(
  client: Client,
  periodId: string,
  by: string,
  decision: 'approve' | 'reject',
): Promise<string> {
  return client.workflow.getHandle(periodWorkflowId(periodId)).executeUpdate(decideVendorPackUpdate, {
    args: [{ by, decision }],
  });
}

/** A period under way, as the intake sees it. */
export interface ActivePeriod {
  id: string;
  /** Its acknowledgement window, when it sets one (periods declared before it was kept: none). */
  acknowledgeWithin?: string;
}

/**
 * The periods under way now (declared, not stopped, between start and until), from visibility
 * and the periods' memos; one list per `ttlMs` however many alerts arrive.
 */
export function activePeriodsSource(client: Client, ttlMs = 30_000): () => Promise<ActivePeriod[]> {
  let last: { at: number; ids: Promise<ActivePeriod[]> } | undefined;
  const read = async () => {
    const now = Date.now();
    const periods: ActivePeriod[] = [];
    const query = `WorkflowType = '${PERIOD_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`;
    for await (const w of client.workflow.list({ query })) {
      const memo = (w.memo ?? {}) as { start?: string; until?: string; acknowledgeWithin?: unknown };
      if (!memo.start || !memo.until) continue;
      if (Date.parse(memo.start) <= now && now < Date.parse(memo.until)) {
        const within = memo.acknowledgeWithin;
        periods.push({
          id: w.workflowId.replace(/^period-/, ''),
          // Whether it is a duration is the intake's to judge (client/open-incident.ts).
          ...(typeof within === 'string' ? { acknowledgeWithin: within } : {}),
        });
      }
    }
    return periods.sort((a, b) => a.id.localeCompare(b.id));
  };
  return () => {
    if (!last || Date.now() - last.at > ttlMs) {
      const ids = read();
      last = { at: Date.now(), ids };
      ids.catch(() => (last = undefined));
    }
    return last.ids;
  };
}
