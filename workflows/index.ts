/** Every workflow the worker runs. */
export { lockoutIncident } from './incident';
export { crmSyncRecord } from './crm-sync-record';
