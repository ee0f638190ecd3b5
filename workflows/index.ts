/** Every workflow the worker runs. */
export { lockoutIncident } from './incident';
