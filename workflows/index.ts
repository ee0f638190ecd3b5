/** Every workflow the worker runs. */
export { lockoutIncident } from './incident';
export { expiryWatch } from './expiry-watch';
export { crmSyncRecord } from './crm-sync-record';
export { highRiskPeriod } from './readiness';
export { crisisBudgetWatch } from './budget-watch';
