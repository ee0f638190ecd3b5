/**
 * Salesforce's per-org limits with several workers: three SalesforceSessions (one per worker, each
 * with its own connection pool to one real PostgreSQL server) upsert against the Salesforce double
 * through jsforce, each request taking a while. The double counts the requests it is answering at
 * once: with the shared slots never more than the org budget, without them (the control) more.
 */
import assert from 'node:assert/strict';
import { sharedOrgLimits } from '../salesforce/org-limits';
import { upsertByExternalId } from '../salesforce/api';
import type { SalesforceSession } from '../salesforce/session';
import type { Database } from '../store/database';
import { openStore } from '../store/open';
import { slotsHeld } from '../store/salesforce-limits';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';
import { startSalesforce, type SalesforceFixture } from './helpers/salesforce';

const BUDGET = 4;

describe('Salesforce org limits across several workers (real PostgreSQL, Salesforce double)', function () {
  this.timeout(120_000);
  let pg: TestPostgres;
  let sf: SalesforceFixture;
  let url: string;
  const pools: Database[] = [];

  before(async () => {
    [pg, sf] = await Promise.all([startTestPostgres(), startSalesforce()]);
    url = await pg.createDatabase('org_limits');
    sf.double.restDelayMs = 40;
  });
  after(async () => {
    for (const db of pools) await db.close().catch(() => undefined);
    await sf?.double.close();
    await pg?.stop();
  });

  async function workers(shared: boolean): Promise<SalesforceSession[]> {
    return Promise.all(
      [1, 2, 3].map(async () => {
        const session = sf.session('client-credentials');
        if (shared) {
          const { db } = await openStore({ kind: 'postgresql', url });
          pools.push(db);
          session.limits = sharedOrgLimits(db, { maxConcurrent: BUDGET });
        }
        return session;
      }),
    );
  }

  /** 20 upserts per worker, all at once. */
  async function burst(sessions: SalesforceSession[], tag: string): Promise<void> {
    await Promise.all(
      sessions.flatMap((session, w) =>
        Array.from({ length: 20 }, (_, i) =>
          upsertByExternalId(session, 'Contact', 'Shop_Customer_Id__c', `${tag}-${w}-${i}`, {
            LastName: `Customer ${tag} ${w}/${i}`,
          }),
        ),
      ),
    );
  }

  it('without shared slots, three workers exceed the budget together (the control)', async () => {
    const sessions = await workers(false);
    await Promise.all(sessions.map((s) => s.connection())); // signed in: only the upserts count
    sf.double.restPeakInFlight = 0;
    await burst(sessions, 'free');
    assert.ok(sf.double.restPeakInFlight > BUDGET, `peak ${sf.double.restPeakInFlight}`);
  });

  it('with them, 60 upserts from three workers never exceed the org budget, and all are made', async () => {
    const sessions = await workers(true);
    await Promise.all(sessions.map((s) => s.connection()));
    const before = sf.double.upserts.length;
    sf.double.restPeakInFlight = 0;
    await burst(sessions, 'shared');
    assert.ok(sf.double.restPeakInFlight <= BUDGET, `peak ${sf.double.restPeakInFlight} > ${BUDGET}`);
    assert.ok(sf.double.restPeakInFlight >= 2, 'the budget is used in parallel');
    assert.equal(sf.double.upserts.length - before, 60);
    assert.equal(await slotsHeld(pools[0]!, sessions[0]!.orgKey()), 0, 'every slot freed');
    assert.equal(sessions[0]!.orgKey(), sf.double.orgId, 'counted per org, by its id');
  });

  it('a worker that made no call sees the org API usage another one reported', async () => {
    const [caller, idle] = await workers(true);
    await caller!.connection();
    await upsertByExternalId(caller!, 'Contact', 'Shop_Customer_Id__c', 'usage-1', { LastName: 'Usage' });
    assert.equal(idle!.apiUsage, undefined);
    await idle!.connection();
    // The report is written beside the answer, not before it: look until it is there.
    let usage = await idle!.currentApiUsage();
    for (let i = 0; !usage && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      usage = await idle!.currentApiUsage();
    }
    assert.ok(usage && usage.limit > 0 && usage.used > 0, JSON.stringify(usage));
  });
});
