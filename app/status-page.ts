/** The status page and signed links as configured: responders file, directory, health checks. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import {
  cachedHealth,
  expiryWatchHealth,
  journeysHealth,
  SALESFORCE_HEALTH_SLOT,
  temporalHealth,
  workerHealth,
  type HealthCheck,
} from '../status-page/health';
import { loadResponders } from '../links/responders-file';
import { loadDirectory, type Directory } from '../comms/directory';
import { webUiLink, type Config } from '../config/env';
import { live, mtimeStamp } from '../lib/live';
import type { Logger } from '../lib/logger';
import type { LinkDesk } from '../gateway/link-redeem';
import type { StatusPageOptions } from '../gateway/routes/status-page';
import { evidenceStoreFromConfig } from '../evidence/from-config';
import type { Database } from '../store/database';
import { incidentLedger, loadCrisisBudget } from '../client/crisis-budget';
import type { CrisisLedger } from '../domain/crisis-budget';
import type { IncidentStatus } from '../domain/incident';
import { storeJourneyModes } from '../store/journey-modes';

export interface StatusPageExtras {
  /** Salesforce reachability and API limits (from salesforce/); a "not set up" row until then. */
  salesforce?: HealthCheck;
  /** Any further rows for the health panel. */
  more?: HealthCheck[];
}

const lastGoodVersion = (logger: Logger) => (what: string) => (err: Error) =>
  logger.error({ err: err.message }, `${what} has errors; still using the last good version`);

/** The responder directory as it is on disk now; a bad edit keeps the last good one. */
export function liveDirectory(config: Config, logger: Logger): () => Directory {
  return live(
    () => mtimeStamp(config.directoryFile),
    () => loadDirectory(config.directoryFile),
    lastGoodVersion(logger)('directory'),
  );
}

export function linkDeskFromConfig(config: Config, client: Client): LinkDesk | undefined {
  return config.links && { client, secrets: config.links.secrets };
}

export function statusPageFromConfig(
  config: Config,
  client: Client,
  logger: Logger,
  store: Database,
  extras: StatusPageExtras = {},
): StatusPageOptions {
  const { auth } = config.statusPage;
  const report = lastGoodVersion(logger);
  const directory = liveDirectory(config, logger);
  let sessionSecret = config.statusPage.sessionSecret;
  if (!sessionSecret) {
    sessionSecret = randomBytes(32).toString('base64url');
    logger.warn(
      {},
      'status page sessions are signed with a per-process key (set LOCKOUT_SESSION_SECRET or LOCKOUT_LINK_SECRET so they survive restarts and work across gateway replicas)',
    );
  }
  const checks: HealthCheck[] = [
    temporalHealth(client),
    workerHealth(client, config.temporal.namespace, config.temporal.taskQueue),
    expiryWatchHealth(client),
    journeysHealth(
      config.store.kind === 'postgresql' ? storeJourneyModes(store) : config.continuity.journeysFile,
    ),
    extras.salesforce ?? SALESFORCE_HEALTH_SLOT,
    ...(extras.more ?? []),
  ];
  return {
    client,
    webUiLink: (id) => webUiLink(config, id),
    sessionSecret,
    health: cachedHealth(checks),
    budget: crisisBudgetFromConfig(config, logger, directory),
    auth: {
      auth:
        auth.mode === 'tokens'
          ? {
              mode: 'tokens',
              responders: live(
                () => mtimeStamp(auth.respondersFile),
                () => loadResponders(auth.respondersFile),
                report('responders file'),
              ),
              store,
            }
          : auth,
      sessionTtlMs: config.statusPage.sessionTtlMs,
      secureCookies: config.gateway.publicUrl.startsWith('https:'),
      knownPerson: (id) => Object.hasOwn(directory().people, id),
    },
    loginLimits: config.statusPage.loginLimits,
    evidence: evidenceStoreFromConfig(config.evidence),
  };
}

/** Each incident's ledger from the live directory (rates) and budget file (a bad edit keeps the last good one). */
export function crisisBudgetFromConfig(
  config: Config,
  logger: Logger,
  directory: () => Directory,
): (status: IncidentStatus) => CrisisLedger | undefined {
  const file = config.readiness.crisisBudgetFile;
  if (!existsSync(file)) return () => undefined;
  const budget = live(
    () => mtimeStamp(file),
    () => loadCrisisBudget(file),
    lastGoodVersion(logger)('crisis budget'),
  );
  return (status) => incidentLedger(status, directory(), budget());
}
