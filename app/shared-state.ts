/**
 * The state several workers and gateways must agree on, in the shared store (docs/storage.md):
 * the sent ledger and outbox, journey modes, the Salesforce org's limits. Used when
 * LOCKOUT_DATABASE_URL names a PostgreSQL server; on one host (`npm start`) files serve.
 */
import type { OutboxRecord } from '../comms/outbox';
import type { SentLedger } from '../comms/sent-ledger';
import type { Config } from '../config/env';
import type { JourneyModes } from '../domain/journeys';
import { sharedOrgLimits, type OrgLimits } from '../salesforce/org-limits';
import type { Database } from '../store/database';
import { storeJourneyModes } from '../store/journey-modes';
import { claimSend, lookupSent, recordAccepted, writeOutboxRow } from '../store/sent-messages';

export interface SharedState {
  sent: SentLedger;
  outbox(key: string, record: OutboxRecord): Promise<void>;
  journeyModes: JourneyModes;
  orgLimits: OrgLimits;
}

export function storeSentLedger(db: Database): SentLedger {
  return {
    describe: `the sent_messages table (${db.describe})`,
    get: (key) => lookupSent(db, key),
    claim: (key, who) => claimSend(db, key, who),
    put: (key, entry) => recordAccepted(db, key, entry),
  };
}

export function sharedState(db: Database, config: Config): SharedState {
  return {
    sent: storeSentLedger(db),
    outbox: (key, record) => writeOutboxRow(db, key, { ...record }),
    journeyModes: storeJourneyModes(db),
    orgLimits: sharedOrgLimits(db, { maxConcurrent: config.crmSync.maxConcurrentPerOrg }),
  };
}
