/** Builds what the activities need from configuration: directory, templates, channels. */
import { existsSync, readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { IncidentStatus } from '../domain/incident';
import { join } from 'node:path';
import type { ActivityDeps } from '../activities';
import { loadDirectory } from '../comms/directory';
import { createMailTransport } from '../comms/mail-transport';
import { fileLedger } from '../comms/sent-ledger';
import { loadTemplates } from '../comms/templates';
import { ConfigError, webUiLink, type Config } from '../config/env';
import { dirStamp, live, mtimeStamp } from '../lib/live';
import type { Logger } from '../lib/logger';
import { continuityDeps } from './continuity';
import type { SharedState } from './shared-state';
import { intakeFromConfig } from './gateway';
import { raiseWatchAlert } from '../client/watch-alerts';
import { lazyClient } from '../client/connection';
import { queryStatus } from '../client/status';
import { readEvidenceSource } from '../client/evidence-source';
import { buildPack } from '../evidence/build';
import { evidenceStoreFromConfig } from '../evidence/from-config';
import { TOOL } from '../evidence/tool';
import { incidentLedger, loadCrisisBudget } from '../client/crisis-budget';
import type { CrisisLedger } from '../domain/crisis-budget';
import { listOpenIncidents, readStatuses } from '../client/open-incidents';
import { salesforceDepsFromConfig } from './salesforce';
import { salesforceExpirySource } from '../salesforce/expiry-source';
import { salesforceAuditTrailSource, salesforcePermissionSource } from '../salesforce/control-sources';
import type { KeyRing } from '../temporal/key-ring';

export interface EmailSetup {
  /** SMTP URL to send through; the local sink's URL when no server is configured. */
  url: string;
  mode: 'smtp' | 'local-sink';
}

function readCa(variable: string, file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${variable}: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`]);
  }
}

export interface ConfiguredActivityDeps {
  deps: ActivityDeps;
  /** Closes the SMTP connections and the Temporal client the activities use (if they ever connected). */
  close(): Promise<void>;
}

/**
 * `keys`: the key ring of the client activities use (temporal/codec-keys.ts).
 * `shared`: the shared store's state (several workers); unset: files under the data directory.
 */
export function activityDeps(
  config: Config,
  email: EmailSetup,
  logger: Logger,
  keys: KeyRing,
  shared?: SharedState,
): ConfiguredActivityDeps {
  const report = (what: string) => (err: Error) =>
    logger.error({ err: err.message }, `${what} has errors; still using the last good version`);
  // One client for everything activities ask of Temporal (opening watch incidents, reading status).
  const client = lazyClient(config, keys);
  const salesforce = salesforceDepsFromConfig(config, logger);
  if (salesforce.session && shared) salesforce.session.limits = shared.orgLimits;
  const deps: ActivityDeps = {
    directory: live(
      () => mtimeStamp(config.directoryFile),
      () => loadDirectory(config.directoryFile),
      report('directory'),
    ),
    templates: live(
      () => dirStamp(config.templatesDir),
      () => loadTemplates(config.templatesDir),
      report('templates'),
    ),
    email: {
      transport: createMailTransport(email.url, readCa('SMTP_TLS_CA', config.smtp.caFile)),
      from: config.smtp.from,
      mode: email.mode,
    },
    links: (incidentId) => ({ webUi: webUiLink(config, incidentId) }),
    incidentStatus: (incidentId) => queryStatus(client, incidentId),
    messaging: {
      outboxDir: join(config.dataDir, 'outbox'),
      sent: shared?.sent ?? fileLedger(join(config.dataDir, 'sent')),
      sharedOutbox: shared?.outbox,
      twilio: config.twilio,
      smsReplies: config.smsReplies !== undefined,
      secret: (name) => process.env[name],
    },
    continuity: continuityDeps(config, {
      journeyModes: shared?.journeyModes,
      logger,
      raiseAlert: (alert, at) => raiseWatchAlert(intakeFromConfig(config, client, logger), alert, at),
      extraSources: [
        salesforceExpirySource(salesforce.session),
        salesforcePermissionSource(salesforce),
        salesforceAuditTrailSource(salesforce),
      ],
    }),
    salesforce,
    budget: existsSync(config.readiness.crisisBudgetFile)
      ? {
          config: live(
            () => mtimeStamp(config.readiness.crisisBudgetFile),
            () => loadCrisisBudget(config.readiness.crisisBudgetFile),
            report('crisis budget'),
          ),
          openIncidents: () => openIncidentStatuses(client),
        }
      : undefined,
    runbooks: intakeFromConfig(config, client, logger).runbooks,
    signedLinks: config.links && { ...config.links, publicUrl: config.gateway.publicUrl },
    // The pack carries the ledger at archive time, when a crisis budget is configured.
    evidence: evidenceDeps(config.evidence, client, (status, at) =>
      deps.budget ? incidentLedger(status, deps.directory(), deps.budget.config(), at) : undefined,
    ),
  };
  return {
    deps,
    close: async () => {
      deps.email.transport.close();
      await client.connection.close();
    },
  };
}

/**
 * Closing incidents archive their packs into the evidence store (LOCKOUT_EVIDENCE_DIR or
 * LOCKOUT_EVIDENCE_S3_BUCKET, docs/evidence.md), with their crisis budget ledger when `budget`
 * gives one.
 */
export function evidenceDeps(
  settings: Config['evidence'],
  client: Client,
  budget?: (status: IncidentStatus, at: string) => CrisisLedger | undefined,
): NonNullable<ActivityDeps['evidence']> {
  const store = evidenceStoreFromConfig(settings);
  return {
    archive: (incidentId) =>
      store.archive(incidentId, async () => {
        const source = await readEvidenceSource(client, incidentId);
        const generatedAt = new Date().toISOString();
        const ledger = budget?.(source.status, generatedAt);
        return buildPack(source, {
          chromium: settings.chromium,
          meta: { generatedAt, tool: TOOL, ...(ledger ? { budget: ledger } : {}) },
        });
      }),
  };
}

/** Every open incident's status (those that cannot answer now are left for the next run). */
async function openIncidentStatuses(client: Client): Promise<IncidentStatus[]> {
  const listed = await listOpenIncidents(client);
  const reads = await readStatuses(
    client,
    listed.map((i) => i.id),
  );
  return [...reads.values()].flatMap((r) => (r.ok ? [r.status] : []));
}
