/** The Salesforce activities' dependencies from configuration, for the worker. */
import { join } from 'node:path';
import type { Config } from '../config/env';
import type { Logger } from '../lib/logger';
import { salesforceDeps, type SalesforceDeps } from '../salesforce/deps';
import { SalesforceSession } from '../salesforce/session';

export function salesforceDepsFromConfig(config: Config, logger?: Logger): SalesforceDeps {
  return salesforceDeps({
    session: config.salesforce ? new SalesforceSession(config.salesforce) : undefined,
    permissionBaselineFile: config.salesforceFiles.permissionBaseline,
    keyAccountsFile: config.salesforceFiles.keyAccounts,
    templatesDir: join(config.templatesDir, 'salesforce'),
    procurementPackDir: config.salesforceFiles.procurementPackDir,
    apiReservePercent: config.crmSync.apiReservePercent,
    onFileError: (what, err) =>
      logger?.error({ err: err.message }, `${what} has errors; still using the last good version`),
  });
}
