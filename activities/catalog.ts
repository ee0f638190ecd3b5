/**
 * The activities a runbook may call from an `activity` step, with the arguments each accepts.
 * `lockout validate` checks runbooks against this catalog; the worker registers the
 * implementations (createActivities). Every entry here must have an implementation (a test
 * checks), and each implementation re-validates its arguments with the same schema.
 */
import { continuityCatalog } from './continuity-catalog';
import { httpCheckCatalog } from './http-check';
import { SALESFORCE_CATALOG } from './salesforce-catalog';
import type { CatalogEntry } from './runbook-activity';

export {
  parseArgs,
  type CatalogEntry,
  type RunbookActivity,
  type RunbookActivityInput,
} from './runbook-activity';

/** Every runbook-callable activity, from each activity module's catalog. */
export const RUNBOOK_ACTIVITIES: Record<string, CatalogEntry> = {
  ...httpCheckCatalog,
  ...continuityCatalog,
  ...SALESFORCE_CATALOG,
};
