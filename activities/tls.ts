/** `checkTlsEndpoint`: a runbook step that looks at an endpoint's certificate chain, live. */
import { readFileSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/activity';
import { durationMs, formatDuration } from '../domain/duration';
import type { StepResult } from '../domain/incident';
import { checkTls } from '../expiry/tls-check';
import { parseArgs, type RunbookActivityInput } from './runbook-activity';
import { CheckTlsEndpointArgs } from './continuity-catalog';
import type { ActivityDeps } from './deps';

export function tlsActivities(deps: ActivityDeps) {
  return {
    async checkTlsEndpoint(input: RunbookActivityInput): Promise<StepResult> {
      const args = parseArgs('checkTlsEndpoint', CheckTlsEndpointArgs, input.args);
      const caFile = args.caFile ?? deps.continuity.watchConfig().tls.caFile;
      let ca: Buffer | undefined;
      if (caFile) {
        try {
          ca = readFileSync(caFile);
        } catch (err) {
          throw ApplicationFailure.nonRetryable(
            `checkTlsEndpoint: caFile ${caFile}: cannot read (${(err as NodeJS.ErrnoException).code})`,
            'InvalidArguments',
          );
        }
      }
      const check = await checkTls({ host: args.host, port: args.port, servername: args.servername, ca });
      const where = `${check.servername === args.host ? '' : `${check.servername} at `}${check.endpoint}`;
      if (check.unreachable)
        return {
          ok: false,
          summary: `${where}: no TLS handshake (${check.unreachable})`,
          data: { ...check },
        };
      const msLeft = check.expiresAt ? Date.parse(check.expiresAt) - Date.now() : undefined;
      const expiry =
        msLeft === undefined
          ? 'no expiry known'
          : msLeft > 0
            ? `expires ${check.expiresAt} (in ${formatDuration(msLeft)})`
            : `expired ${check.expiresAt}`;
      if (!check.valid)
        return {
          ok: false,
          summary: `${where}: chain does not validate: ${check.errorCode} (${check.errorMessage}); ${expiry}`,
          data: { ...check, msLeft },
        };
      const expiringSoon = msLeft !== undefined && msLeft <= durationMs(args.warnBefore);
      return {
        ok: !expiringSoon,
        summary: `${where}: chain valid, ${expiry}${expiringSoon ? `, within ${args.warnBefore}` : ''}`,
        data: { ...check, msLeft },
      };
    },
  };
}
