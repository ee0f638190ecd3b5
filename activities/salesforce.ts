/** Every Salesforce activity (runbook catalog ones and the CRM sync upsert), for createActivities. */
import { crmSyncActivities } from './crm-sync';
import type { ActivityDeps } from './deps';
import { keyAccountActivities } from './key-accounts';
import { procurementActivities } from './procurement';
import { salesforceDiagnostics } from './salesforce-diagnostics';
import { salesforceRemediation } from './salesforce-remediation';

export function salesforceActivities(deps: ActivityDeps) {
  return {
    ...salesforceDiagnostics(deps),
    ...salesforceRemediation(deps),
    ...keyAccountActivities(deps),
    ...procurementActivities(deps),
    ...crmSyncActivities(deps),
  };
}
