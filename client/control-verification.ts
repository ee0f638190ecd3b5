/**
 * Control verification as Temporal and the files show it: the latest expiry watch runs (the
 * schedule's and those of high-risk periods) verify the TLS and credential controls; the age of
 * the vendor-assessment pack's documents verifies the supplier controls. The judgement is the
 * domain's (domain/control-verification.ts); the status page and /metrics read it through
 * `controlVerificationSource`, which asks Temporal once per `ttlMs` however many read it.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import {
  controlVerification,
  type CheckObservation,
  type ControlVerification,
} from '../domain/control-verification';
import type { ExpiryWatchReport } from '../domain/expiry-watch';
import { CHECK_OF_EXPIRY_SOURCE } from '../domain/iso27001';
import { listOpenIncidents } from './open-incidents';
import { EXPIRY_WATCH_WORKFLOW_TYPE } from './ids';

/** Runs read per refresh: enough to say "since when" over a day at the hourly cadence. */
const RUNS_READ = 30;
const DAY_MS = 86_400_000;

/** What one watch run says about each check it ran; warnings still verify (the control works). */
export function observationsOfReport(report: ExpiryWatchReport): CheckObservation[] {
  const out: CheckObservation[] = [];
  for (const [source, check] of Object.entries(CHECK_OF_EXPIRY_SOURCE)) {
    const rows = report.rows.filter((r) => r.source === source);
    if (!rows.length) continue;
    const bad = rows.filter((r) => r.level !== 'ok' && r.level !== 'warning');
    out.push({
      check,
      at: report.at,
      ok: bad.length === 0,
      detail: bad.length
        ? bad.map((r) => `${r.label}: ${r.level}${r.problem ? ` (${r.problem})` : ''}`).join('; ')
        : `${rows.length} checked, all valid`,
    });
  }
  return out;
}

async function reportOf(
  client: Client,
  workflowId: string,
  runId: string,
): Promise<ExpiryWatchReport | undefined> {
  try {
    return (await client.workflow.getHandle(workflowId, runId).result()) as ExpiryWatchReport;
  } catch (err) {
    // A run that lost alerts failed on purpose, with its report in the failure's details.
    if (err instanceof WorkflowFailedError) {
      const details = (err.cause as { details?: unknown[] } | undefined)?.details;
      const report = details?.[0] as ExpiryWatchReport | undefined;
      return report?.rows ? report : undefined;
    }
    throw err;
  }
}

export async function watchObservations(client: Client, runs = RUNS_READ): Promise<CheckObservation[]> {
  const query = `WorkflowType = '${EXPIRY_WATCH_WORKFLOW_TYPE}' AND ExecutionStatus != 'Running'`;
  const seen: { workflowId: string; runId: string }[] = [];
  for await (const w of client.workflow.list({ query, pageSize: runs })) {
    seen.push({ workflowId: w.workflowId, runId: w.runId });
    if (seen.length >= runs) break;
  }
  const reports = await Promise.all(seen.map((s) => reportOf(client, s.workflowId, s.runId)));
  return reports.flatMap((r) => (r ? observationsOfReport(r) : []));
}

/** The pack verifies the supplier controls while its newest document is younger than `maxAgeDays`. */
export function vendorPackObservation(dir: string, maxAgeDays: number, now = Date.now()): CheckObservation {
  const at = new Date(now).toISOString();
  let newest = 0;
  let count = 0;
  try {
    for (const name of readdirSync(dir)) {
      if (name.startsWith('.') || /^readme/i.test(name)) continue;
      const stat = statSync(join(dir, name));
      if (!stat.isFile()) continue;
      count++;
      newest = Math.max(newest, stat.mtimeMs);
    }
  } catch (err) {
    return {
      check: 'vendor-pack-freshness',
      at,
      ok: false,
      detail: `pack folder unreadable (${(err as NodeJS.ErrnoException).code})`,
    };
  }
  if (!count)
    return { check: 'vendor-pack-freshness', at, ok: false, detail: 'the pack folder has no documents' };
  const ageDays = Math.floor((now - newest) / DAY_MS);
  return {
    check: 'vendor-pack-freshness',
    at,
    ok: ageDays <= maxAgeDays,
    detail: `${count} document(s), newest ${ageDays} day(s) old (at most ${maxAgeDays})`,
  };
}

export interface ControlSourceOptions {
  /** The vendor-assessment pack folder; absent: the supplier controls stay unverified. */
  packDir?: string;
  packMaxAgeDays?: number;
  ttlMs?: number;
}

/** One read of Temporal per `ttlMs`, shared by the status page's rows and /metrics. */
export function controlVerificationSource(
  client: Client,
  options: ControlSourceOptions = {},
): () => Promise<ControlVerification[]> {
  const ttlMs = options.ttlMs ?? 30_000;
  let last: { at: number; value: Promise<ControlVerification[]> } | undefined;
  // The first pack check of each result (the last two), so "since" survives the refreshes.
  const packStreaks: CheckObservation[] = [];
  const read = async () => {
    const pack: CheckObservation[] = [];
    if (options.packDir) {
      const run = vendorPackObservation(options.packDir, options.packMaxAgeDays ?? 365);
      if (packStreaks.at(-1)?.ok !== run.ok) packStreaks.push(run);
      packStreaks.splice(0, Math.max(0, packStreaks.length - 2));
      pack.push(...packStreaks, run);
    }
    const [watch, open] = await Promise.all([watchObservations(client), listOpenIncidents(client)]);
    return controlVerification([...watch, ...pack], open);
  };
  return () => {
    if (!last || Date.now() - last.at > ttlMs) {
      const value = read();
      last = { at: Date.now(), value };
      value.catch(() => (last = undefined)); // a failed read is not cached
    }
    return last.value;
  };
}
