/**
 * The expiry watch's activities (workflows/expiry-watch.ts): read the plan, ask each expiry
 * source what it sees, open or escalate incidents. Not runbook steps.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { FINGERPRINT } from '../domain/alert';
import type { ExpiryObservation, WatchThresholds } from '../domain/expiry';
import { durationMs } from '../domain/duration';
import { FileProblems } from '../lib/yaml-file';
import type { RaisedAlert, WatchAlert } from '../domain/expiry-watch';
import { watchThresholds } from '../expiry/watch-config';
import type { ActivityDeps } from './deps';

export interface ExpiryWatchPlan {
  sources: string[];
  thresholds: WatchThresholds;
  everyMs: number;
}

/** A broken watch.yaml is not fixed by retrying: fail the run at once, with the file, line and field. */
async function withConfig<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof FileProblems) throw ApplicationFailure.nonRetryable(err.message, 'InvalidWatchConfig');
    throw err;
  }
}

export function expiryWatchActivities(deps: ActivityDeps) {
  return {
    /** The configuration as of this run (a broken edit keeps the last good one; see lib/live.ts). */
    async planExpiryWatch(): Promise<ExpiryWatchPlan> {
      return withConfig(async () => {
        const config = deps.continuity.watchConfig();
        return {
          sources: deps.continuity.expirySources.map((s) => s.name),
          thresholds: watchThresholds(config),
          everyMs: durationMs(config.every),
        };
      });
    },

    async checkExpirySource(name: string): Promise<ExpiryObservation[]> {
      const source = deps.continuity.expirySources.find((s) => s.name === name);
      if (!source) throw ApplicationFailure.nonRetryable(`no expiry source "${name}"`, 'UnknownExpirySource');
      return withConfig(() => source.check());
    },

    /** `at`: the watch's own time, so the incident's clocks start when the watch decided. */
    async raiseExpiryAlert(alert: WatchAlert, at: string): Promise<RaisedAlert> {
      const { raiseAlert } = deps.continuity;
      if (!raiseAlert)
        throw ApplicationFailure.nonRetryable(
          'this worker has no Temporal client to open incidents',
          'NotConfigured',
        );
      if (!FINGERPRINT.test(alert.fingerprint))
        throw ApplicationFailure.nonRetryable(
          `invalid fingerprint "${alert.fingerprint}"`,
          'InvalidArguments',
        );
      return raiseAlert(alert, new Date(at));
    },
  };
}
