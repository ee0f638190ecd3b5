/**
 * Salesforce diagnostics for runbooks: each returns a StepResult whose summary lands in the
 * timeline and whose data lands in the compliance report. Not configured or access refused is
 * a result (ok: false), not an exception; outages and rate limits are retried by Temporal.
 */
import { durationMs, formatDuration } from '../domain/duration';
import type { StepResult } from '../domain/incident';
import { callSalesforce, probe } from '../salesforce/api';
import { readAuditTrail } from '../salesforce/audit-trail';
import { readOrgCertificates } from '../salesforce/certificates';
import { comparePermissions, describeDrift, readPermissions } from '../salesforce/permissions';
import { parseArgs, type RunbookActivityInput } from './runbook-activity';
import type { ActivityDeps } from './deps';
import { SalesforceArgs } from './salesforce-catalog';
import { configFile, diagnose, notConfigured } from './salesforce-support';

interface Limits {
  DailyApiRequests?: { Max: number; Remaining: number };
}

const inWords = (ms: number) => (ms <= 0 ? `${formatDuration(-ms)} ago` : `in ${formatDuration(ms)}`);

export function salesforceDiagnostics(deps: ActivityDeps) {
  return {
    async checkSalesforceAuth(input: RunbookActivityInput): Promise<StepResult> {
      const args = parseArgs('checkSalesforceAuth', SalesforceArgs.checkSalesforceAuth, input.args);
      return diagnose(deps, 'checkSalesforceAuth', async (session) => {
        const before = session.tokenState()?.refreshes;
        await callSalesforce(session, { method: 'GET', path: '/' });
        const token = session.tokenState()!;
        const refreshed = before !== undefined && token.refreshes > before;
        const now = Date.now();
        const credentials = (await session.credentialExpiry()).map((c) => ({
          ...c,
          expiresInMs: Date.parse(c.expiresAt) - now,
        }));
        const expiring = credentials.filter(
          (c) => !c.renewsAutomatically && c.expiresInMs <= durationMs(args.warnWithin),
        );
        const parts = [
          `token valid (${token.flow}${refreshed ? ', had expired and was refreshed automatically' : ''}), ` +
            `expires ~${token.expiresAt} (${inWords(Date.parse(token.expiresAt) - now)})`,
          ...expiring.map((c) => `${c.description} expires ${inWords(c.expiresInMs)}`),
        ];
        return {
          ok: expiring.length === 0,
          summary: parts.join('; '),
          data: { tokenValid: true, refreshedAutomatically: refreshed, ...token, credentials },
        };
      });
    },

    async checkSalesforceCertificates(input: RunbookActivityInput): Promise<StepResult> {
      const args = parseArgs(
        'checkSalesforceCertificates',
        SalesforceArgs.checkSalesforceCertificates,
        input.args,
      );
      return diagnose(deps, 'checkSalesforceCertificates', async (session) => {
        const now = Date.now();
        const certificates = (await readOrgCertificates(session)).map((c) => ({
          ...c,
          expiresInMs: c.expiresAt ? Date.parse(c.expiresAt) - now : null,
        }));
        const due = certificates.filter(
          (c) => c.expiresInMs !== null && c.expiresInMs <= durationMs(args.warnWithin),
        );
        return {
          ok: due.length === 0,
          summary: due.length
            ? due
                .map(
                  (c) =>
                    `certificate ${c.developerName} ${c.expiresInMs! <= 0 ? 'expired' : 'expires'} ${inWords(c.expiresInMs!)}`,
                )
                .join('; ')
            : `${certificates.length} org certificate(s), none expiring within ${args.warnWithin}`,
          data: { certificates, expiringOrExpired: due.map((c) => c.developerName) },
        };
      });
    },

    async checkSalesforceLimits(input: RunbookActivityInput): Promise<StepResult> {
      const args = parseArgs('checkSalesforceLimits', SalesforceArgs.checkSalesforceLimits, input.args);
      return diagnose(deps, 'checkSalesforceLimits', async (session) => {
        const limits = await callSalesforce<Limits>(session, { method: 'GET', path: '/limits' });
        const daily = limits.DailyApiRequests;
        if (!daily)
          return { ok: false, summary: '/limits did not report DailyApiRequests', data: { limits } };
        const percent = daily.Max ? Math.round((daily.Remaining / daily.Max) * 1000) / 10 : 0;
        return {
          ok: percent >= args.minRemainingPercent,
          summary: `daily API requests: ${daily.Remaining} of ${daily.Max} remaining (${percent}%)`,
          data: {
            dailyApiRequests: { max: daily.Max, remaining: daily.Remaining, remainingPercent: percent },
          },
        };
      });
    },

    async checkSalesforceConnectivity(input: RunbookActivityInput): Promise<StepResult> {
      parseArgs('checkSalesforceConnectivity', SalesforceArgs.checkSalesforceConnectivity, input.args);
      const session = deps.salesforce?.session;
      if (!session) return notConfigured();
      const { loginUrl, apiVersion } = session.settings;
      const login = await probe(`${loginUrl}/services/data`);
      let instanceUrl = session.tokenState()?.instanceUrl;
      let authError: string | undefined;
      if (!instanceUrl && login.reachable) {
        try {
          await session.connection();
          instanceUrl = session.tokenState()?.instanceUrl;
        } catch (err) {
          authError = (err as Error).message;
        }
      }
      const instance = instanceUrl ? await probe(`${instanceUrl}/services/data`) : undefined;
      let offered: string[] = [];
      try {
        offered = (JSON.parse(instance?.body ?? '[]') as { version: string }[]).map((v) => v.version);
      } catch {
        // not a version list: reported below as "not offered"
      }
      const versionOffered = offered.includes(apiVersion);
      const strip = ({ body: _body, ...rest }: { body?: string }) => rest;
      const problems = [
        !login.reachable && `login endpoint ${loginUrl} unreachable (${login.error})`,
        authError && `could not authenticate: ${authError}`,
        instance && !instance.reachable && `instance ${instanceUrl} unreachable (${instance.error})`,
        instance?.reachable && !versionOffered && `API v${apiVersion} not offered by ${instanceUrl}`,
      ].filter(Boolean);
      return {
        ok: problems.length === 0 && Boolean(instance?.reachable),
        summary: problems.length
          ? problems.join('; ')
          : `login and instance reachable (${login.latencyMs} ms, ${instance!.latencyMs} ms), API v${apiVersion} offered`,
        data: {
          login: strip(login),
          instance: instance ? strip(instance) : null,
          apiVersion: { configured: apiVersion, offered: versionOffered },
        },
      };
    },

    async compareIntegrationPermissions(input: RunbookActivityInput): Promise<StepResult> {
      parseArgs('compareIntegrationPermissions', SalesforceArgs.compareIntegrationPermissions, input.args);
      return diagnose(deps, 'compareIntegrationPermissions', async (session, sf) => {
        const baseline = configFile(() => sf.permissionBaseline());
        await session.connection();
        const userId = session.tokenState()!.userId;
        const actual = await readPermissions(session, userId);
        const drift = comparePermissions(baseline, actual);
        const missing = drift.missingPermissionSets.length + drift.missingObjectPermissions.length;
        return {
          ok: missing === 0,
          summary: `integration user ${userId}: ${describeDrift(drift)}`,
          data: {
            userId,
            ...drift,
            assignedPermissionSets: actual.permissionSets.map((p) => p.name),
            objectPermissions: actual.objects,
          },
        };
      });
    },

    async fetchSetupAuditTrail(input: RunbookActivityInput): Promise<StepResult> {
      const args = parseArgs('fetchSetupAuditTrail', SalesforceArgs.fetchSetupAuditTrail, input.args);
      return diagnose(deps, 'fetchSetupAuditTrail', async (session) => {
        const until = new Date();
        const from = args.since
          ? new Date(args.since)
          : new Date(until.getTime() - durationMs(args.lookback));
        const entries = await readAuditTrail(session, { from, until }, args.limit);
        const relevant = entries.filter((e) => e.securityRelevant);
        const sections = [...new Set(relevant.map((e) => e.section))];
        return {
          ok: relevant.length === 0,
          summary:
            `${entries.length}${entries.length === args.limit ? '+' : ''} setup change(s) since ${from.toISOString()}` +
            (relevant.length
              ? `; ${relevant.length} security-relevant (${sections.join(', ')})`
              : '; none security-relevant'),
          data: {
            window: { from: from.toISOString(), until: until.toISOString() },
            truncated: entries.length === args.limit,
            securityRelevantCount: relevant.length,
            entries,
          },
        };
      });
    },
  };
}
