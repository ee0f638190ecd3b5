/** `runRemediationHook`: runs a configured hook (HTTP call or allow-listed command) for a runbook step. */
import { createHash } from 'node:crypto';
import { ApplicationFailure, log } from '@temporalio/activity';
import type { StepResult } from '../domain/incident';
import { HookRefused, HookUnavailable, runHook } from '../hooks/run-hook';
import { parseArgs, type RunbookActivityInput } from './runbook-activity';
import { RunRemediationHookArgs } from './continuity-catalog';
import { cancellationSignal } from './heartbeat';
import type { ActivityDeps } from './deps';

/** Same incident, step and hook → same key: a retried or replayed step is recognisable downstream. */
/** Same incident instance, step and hook → same key; a recurring fingerprint's new incident gets new keys. */
export function hookIdempotencyKey(
  incidentId: string,
  step: string,
  hook: string,
  instance?: string,
): string {
  const material = `${incidentId}\n${instance === undefined ? '' : `${instance}\n`}${step}\n${hook}\nhook`;
  return createHash('sha256').update(material).digest('hex').slice(0, 32);
}

export function remediationHookActivities(deps: ActivityDeps) {
  return {
    async runRemediationHook(input: RunbookActivityInput): Promise<StepResult> {
      const args = parseArgs('runRemediationHook', RunRemediationHookArgs, input.args);
      const { continuity } = deps;
      const hook = continuity.hooks().hooks[args.hook];
      if (!hook) {
        const known = Object.keys(continuity.hooks().hooks);
        throw ApplicationFailure.nonRetryable(
          `runRemediationHook: unknown hook "${args.hook}" (configured: ${known.join(', ') || 'none'})`,
          'UnknownHook',
        );
      }
      const idempotencyKey = hookIdempotencyKey(input.incidentId, input.step, args.hook, input.instance);
      try {
        const run = await runHook(args.hook, hook, args.params, {
          incidentId: input.incidentId,
          step: input.step,
          idempotencyKey,
          allowedCommands: continuity.allowedCommands,
          secrets: continuity.secrets,
          signal: cancellationSignal(),
        });
        log.info('remediation hook ran', { hook: args.hook, ok: run.ok, status: run.status });
        const outcome =
          run.kind === 'http'
            ? `HTTP ${run.status}`
            : run.timedOut
              ? `timed out after ${hook.timeout}`
              : run.signal
                ? `killed by ${run.signal}`
                : `exit ${run.status}`;
        return {
          ok: run.ok,
          summary: `hook ${args.hook} (${hook.description}): ${run.ok ? 'done' : 'failed'}, ${outcome}`,
          data: { ...run },
        };
      } catch (err) {
        if (err instanceof HookRefused) throw ApplicationFailure.nonRetryable(err.message, 'HookRefused');
        if (err instanceof HookUnavailable)
          throw ApplicationFailure.retryable(err.message, 'HookUnavailable');
        throw err;
      }
    },
  };
}
