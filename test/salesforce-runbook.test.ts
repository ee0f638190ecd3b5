import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { IncidentStatus } from '../domain/incident';
import * as m from '../workflows/messages';
import { testDeps } from './helpers/deps';
import { incidentStatus, sendAlert } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { runbookFromYaml } from './helpers/runbooks';
import {
  seedOrg,
  startSalesforce,
  type SalesforceFixture,
  type SeededOrg,
  shippedSalesforceDeps,
} from './helpers/salesforce';
import { startTimeSkippingTemporal } from './helpers/temporal';
import { withWorker } from './helpers/worker';

/** The ACL-drift pattern as a runbook: diagnose, ask, restore, check again, tell key accounts. */
const runbook = runbookFromYaml(`
id: acl-drift-salesforce
version: 1
title: ACL drift on the Salesforce integration
escalation: { levels: [] }
steps:
  - { id: check-acl, kind: activity, activity: compareIntegrationPermissions }
  - { id: audit-trail, kind: activity, activity: fetchSetupAuditTrail, args: { lookback: 24h } }
  - id: approve-restore
    kind: approval
    approvers: [{ people: [ana] }]
    timeout: 1h
  - { id: restore-acl, kind: activity, activity: assignPermissionSet }
  - { id: recheck-acl, kind: activity, activity: compareIntegrationPermissions }
  - { id: tell-key-accounts, kind: activity, activity: notifyKeyAccounts }
onResolve: { notify: [operations] }
`);

describe('Salesforce activities in a runbook (runbook engine, time-skipping server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let sf: SalesforceFixture;
  let org: SeededOrg;

  before(async () => {
    [env, mail, sf] = await Promise.all([startTimeSkippingTemporal(), startMailCatcher(), startSalesforce()]);
    org = seedOrg(sf.double, sf.integrationUserId);
  });
  after(async () => {
    await env?.teardown();
    await mail?.close();
    await sf?.double.close();
  });

  async function stepDone(incidentId: string, step: string): Promise<IncidentStatus> {
    for (let i = 0; i < 200; i++) {
      const s = await incidentStatus(env.client, incidentId);
      if (s.steps.some((x) => x.id === step && (x.state === 'done' || x.state === 'failed'))) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    return assert.fail(`step ${step} did not finish`);
  }

  it('finds the drift, restores the permission set after approval, and opens Cases on key accounts', async () => {
    const deps = testDeps(mail.url, {
      salesforce: shippedSalesforceDeps(sf.session('jwt-bearer')),
    });
    await withWorker(
      env,
      deps,
      async (taskQueue) => {
        const { incidentId } = await sendAlert(
          env.client,
          taskQueue,
          {
            title: 'Order sync denied: INSUFFICIENT_ACCESS',
            pattern: 'acl-misconfiguration',
            fingerprint: 'sf-acl-1',
          },
          [runbook],
        );
        let s = await stepDone(incidentId, 'audit-trail');
        const check = s.steps.find((x) => x.id === 'check-acl')!;
        assert.equal(check.result?.ok, false);
        assert.match(check.result!.summary, /missing permission set\(s\) Order_Sync/);
        assert.deepEqual(check.result?.data?.missingPermissionSets, ['Order_Sync']);
        const audit = s.steps.find((x) => x.id === 'audit-trail')!;
        assert.match(audit.result!.summary, /1 security-relevant \(Manage Users\)/);
        assert.equal(
          sf.double
            .all('PermissionSetAssignment')
            .filter((a) => a.PermissionSetId === org.permissionSets.Order_Sync).length,
          0,
          'nothing is restored before the approval',
        );

        await env.client.workflow
          .getHandle(incidentId)
          .executeUpdate(m.approveUpdate, { args: [{ step: 'approve-restore', by: 'ana' }] });
        s = await stepDone(incidentId, 'tell-key-accounts');
        const result = (id: string) => s.steps.find((x) => x.id === id)!.result!;
        assert.match(result('restore-acl').summary, /^assigned Order_Sync to integration user/);
        assert.equal(result('recheck-acl').ok, true, result('recheck-acl').summary);
        assert.equal(result('tell-key-accounts').ok, true, result('tell-key-accounts').summary);
        assert.deepEqual(
          sf.double.all('Case').map((c) => c.AccountId),
          [org.accounts.globex, org.accounts.initech],
        );
        assert.ok(s.timeline.some((e) => e.summary.includes('missing permission set(s) Order_Sync')));
      },
      'sf-runbook',
    );
  });
});
