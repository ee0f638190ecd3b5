/**
 * Custom search attributes that make incidents findable in the Temporal Web UI and `lockout list`.
 * Registered by `npm start`, the test helpers and docker-compose's setup job.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const PATTERN = defineSearchAttributeKey('LockoutPattern', SearchAttributeType.KEYWORD);
export const SEVERITY = defineSearchAttributeKey('LockoutSeverity', SearchAttributeType.KEYWORD);
export const REGION = defineSearchAttributeKey('LockoutRegion', SearchAttributeType.KEYWORD);
export const PHASE = defineSearchAttributeKey('LockoutPhase', SearchAttributeType.KEYWORD);
export const ESCALATION_LEVEL = defineSearchAttributeKey('LockoutEscalationLevel', SearchAttributeType.INT);
export const EU_PERSONAL_DATA = defineSearchAttributeKey('LockoutEuPersonalData', SearchAttributeType.BOOL);
export const PENDING_APPROVALS = defineSearchAttributeKey('LockoutPendingApprovals', SearchAttributeType.INT);
/** The nearest deadline of a running clock: the status page sorts by it without querying. */
export const NEXT_DEADLINE = defineSearchAttributeKey('LockoutNextDeadline', SearchAttributeType.DATETIME);
/** Who may decide a pending approval now: the status page's "waiting for me". */
export const APPROVERS = defineSearchAttributeKey('LockoutApprovers', SearchAttributeType.KEYWORD_LIST);

export const ALL_SEARCH_ATTRIBUTES = [
  PATTERN,
  SEVERITY,
  REGION,
  PHASE,
  ESCALATION_LEVEL,
  EU_PERSONAL_DATA,
  PENDING_APPROVALS,
  NEXT_DEADLINE,
  APPROVERS,
] as const;

/** `name=Type` pairs in the form `temporal server start-dev --search-attribute` takes. */
export function searchAttributeFlags(): string[] {
  const cliType: Record<string, string> = {
    KEYWORD: 'Keyword',
    INT: 'Int',
    BOOL: 'Bool',
    DATETIME: 'Datetime',
    KEYWORD_LIST: 'KeywordList',
  };
  return ALL_SEARCH_ATTRIBUTES.map((key) => `${key.name}=${cliType[key.type]}`);
}
