/** The intake and gateway as configured: current runbooks and rules from disk, a Temporal client. */
import type { Client } from '@temporalio/client';
import { loadClassification } from '../intake/classification-file';
import { webUiLink, type Config } from '../config/env';
import { dirStamp, live, mtimeStamp } from '../lib/live';
import type { Logger } from '../lib/logger';
import { loadRunbooks } from '../intake/runbooks-file';
import { loadSources } from '../gateway/sources-file';
import type { IntakeOptions } from '../client/open-incident';
import { crmSyncHealth, salesforceHealth } from '../status-page/salesforce-health';
import { SalesforceSession } from '../salesforce/session';
import type { StartOutcomes } from '../client/start-outcomes';
import type { GatewayOptions } from '../gateway/server';
import type { Database } from '../store/database';
import { storeJourneyModes } from '../store/journey-modes';
import { SharedReplayGuard } from '../gateway/replay-guard';
import { linkDeskFromConfig, liveDirectory, statusPageFromConfig } from './status-page';
import { controlVerificationSource } from '../client/control-verification';
import { activePeriodsSource } from '../client/periods';
import { GatewayMetrics } from '../gateway/metrics';
import { controlHealthChecks } from '../status-page/controls';
import { CONTINUOUS_CHECKS } from '../domain/iso27001';
import { EncryptionCodec } from '../temporal/payload-codec';
import type { KeyRing } from '../temporal/key-ring';

export function intakeFromConfig(
  config: Config,
  client: Client,
  logger?: Logger,
  starts?: StartOutcomes,
): IntakeOptions {
  return {
    client,
    taskQueue: config.temporal.taskQueue,
    runbooks: live(
      () => dirStamp(config.runbooksDir),
      () => loadRunbooks(config.runbooksDir).map((r) => r.runbook),
      (err) =>
        logger?.error({ err: err.message }, 'runbooks have errors; still using the last good versions'),
    ),
    starts,
    limits: { pastMarginMs: config.responderTimeMarginMs },
    activePeriods: activePeriodsSource(client),
  };
}

/**
 * Everything `buildGateway` needs, from configuration, and the shared store (app/store.ts). Throws (file, line, reason) when the
 * sources or classification file is wrong at start; a later bad edit of the classification
 * keeps the last good rules and logs the problem.
 */
export function gatewayOptionsFromConfig(
  config: Config,
  client: Client,
  logger: Logger,
  store: Database,
  starts?: StartOutcomes,
  /** The key ring: with it the gateway serves the codec server (docs/privacy.md). */
  keys?: KeyRing,
): GatewayOptions & { sourceSummary: string[] } {
  const sources = loadSources(config.gateway.sourcesFile);
  const file = config.gateway.classificationFile;
  const classification = live(
    () => mtimeStamp(file),
    () => loadClassification(file),
    (err) =>
      logger.error({ err: err.message }, 'classification rules have errors; still using the last good rules'),
  );
  classification(); // fail at start, not at the first alert
  // ISO 27001 control verification: status page rows and /metrics from one shared read.
  const controls = controlVerificationSource(client, {
    packDir: config.salesforceFiles.procurementPackDir,
  });
  const metrics = new GatewayMetrics();
  metrics.observeControls(controls);
  const controlTitles = Object.fromEntries(
    Object.values(CONTINUOUS_CHECKS).flatMap((c) => c.controls.map((x) => [x.id, x.title])),
  );
  const statusPage = statusPageFromConfig(config, client, logger, store, {
    salesforce: salesforceHealth(config.salesforce && new SalesforceSession(config.salesforce)),
    more: [
      crmSyncHealth(client),
      ...controlHealthChecks(controls, Object.keys(controlTitles), controlTitles),
    ],
  });
  return {
    metrics,
    intake: intakeFromConfig(config, client, logger, starts),
    webUiLink: (id) => webUiLink(config, id),
    logger,
    sources: sources.auth,
    classification,
    sourceSummary: sources.summary,
    journeysFile: config.continuity.journeysFile,
    // With a PostgreSQL server the workers switch modes in the store: serve them from there.
    journeyModes: config.store.kind === 'postgresql' ? storeJourneyModes(store) : undefined,
    replays: new SharedReplayGuard(store),
    readiness: [
      {
        name: 'temporal',
        check: async () => void (await client.workflowService.getSystemInfo({})),
      },
      { name: 'store', check: async () => void (await store.query('SELECT 1')) },
    ],
    crmWrites: { taskQueue: config.crmSync.taskQueue, token: config.crmSync.writesToken },
    links: linkDeskFromConfig(config, client),
    metricsToken: config.gateway.metricsToken,
    smsReplies: config.smsReplies && {
      client,
      authToken: config.smsReplies.authToken,
      publicUrl: config.gateway.publicUrl,
      directory: liveDirectory(config, logger),
    },
    statusPage,
    codec: keys && {
      codec: new EncryptionCodec(keys),
      token: config.codec.token,
      origins: config.codec.uiOrigins,
      session: { secret: statusPage.sessionSecret, auth: statusPage.auth },
    },
  };
}
