/**
 * The post-incident review (docs/evidence.md#post-incident-review), on the time-skipping server
 * with a real worker and a real SMTP server: the shipped generic runbook with `review:` set.
 * Resolved, the incident stays open in phase `review`; the incident commander gets the review
 * with its due date (5 business days); an action item's owner is reminded a day before it is due,
 * and not before; hostile review actions are refused and change nothing; recording the review
 * closes the incident and the review lands in its archived evidence pack; a named person waiving
 * it closes another.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import fc from 'fast-check';
import { evidenceDeps } from '../app/activity-deps';
import { sendAction } from '../client/actions';
import type { IncidentStatus } from '../domain/incident';
import { businessDaysAfter } from '../domain/review';
import { Runbook } from '../domain/runbook';
import { readPack } from '../evidence/files';
import { verifyPack } from '../evidence/verify';
import { closeReviewItemSignal, statusQuery } from '../workflows/messages';
import { createIncidentWorker } from '../workers/worker';
import { runCli } from './helpers/cli';
import { testDeps } from './helpers/deps';
import { sendAlert, shippedRunbooks } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { startTimeSkippingTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';
import { signedIn, statusPage } from './helpers/status-page-gateway';

const HOUR = 3_600_000;
const DEV = 'dev.patel@example.com'; // the incident commander in config/directory.yaml

describe('post-incident review', function () {
  this.timeout(600_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let worker: Worker;
  let running: Promise<void>;
  let work: string;
  let taskQueue: string;
  const generic = shippedRunbooks().find((r) => r.id === 'generic-lockout')!;
  const runbook = Runbook.parse({ ...generic, review: {} });

  before(async () => {
    [env, mail] = await Promise.all([startTimeSkippingTemporal(), startMailCatcher()]);
    work = mkdtempSync(join(tmpdir(), 'lockout-review-'));
    taskQueue = uniqueTaskQueue('review');
    worker = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      deps: {
        ...testDeps(mail.url, { client: env.client }),
        evidence: evidenceDeps({ dir: join(work, 'store'), chromium: false }, env.client),
      },
      workflowBundle: await workflowBundle(),
    });
    running = worker.run();
  });

  after(async () => {
    worker?.shutdown();
    await running?.catch(() => undefined);
    await env?.teardown();
    await mail?.close();
    if (work) {
      const store = join(work, 'store');
      for (const dir of existsSync(store) ? readdirSync(store) : []) chmodSync(join(store, dir), 0o755);
      rmSync(work, { recursive: true, force: true });
    }
  });

  /** An incident of the runbook with a review, acknowledged and resolved, now in its review. */
  async function resolvedIncident(
    name: string,
  ): Promise<{ id: string; status: () => Promise<IncidentStatus> }> {
    const { incidentId: id } = await sendAlert(
      env.client,
      taskQueue,
      {
        title: `Salesforce sync denied (${name})`,
        pattern: 'unclassified',
        region: 'us',
        fingerprint: `review-${name}-${process.pid}`,
      },
      [runbook],
    );
    const status = () => env.client.workflow.getHandle(id).query(statusQuery);
    const accepted = async (p: ReturnType<typeof sendAction>) => assert.equal((await p).outcome, 'accepted');
    await env.sleep('2m');
    await accepted(sendAction(env.client, id, 'acknowledge', { by: 'ana' }));
    await env.sleep('10m');
    await accepted(sendAction(env.client, id, 'resolve', { by: 'ana', reason: 'permission set restored' }));
    for (let i = 0; i < 60 && (await status()).phase !== 'review'; i++) await env.sleep('10s');
    return { id, status };
  }

  it('stays open for its review, reminds the owner before the due date, and closes when recorded', async () => {
    const { id, status } = await resolvedIncident('recorded');
    const opened = await status();
    assert.equal(opened.phase, 'review');
    const review = opened.review!;
    assert.equal(review.state, 'open');
    assert.equal(review.due, businessDaysAfter(review.openedAt, 5));
    const [sent] = await mail.waitFor((m) => m.to.includes(DEV) && m.subject.startsWith('[REVIEW DUE'));
    assert.match(sent!.text, /post-incident review/);
    assert.match(sent!.text, new RegExp(`lockout review add ${id}`));

    // An action item through the real CLI, owned by ben, due in two days.
    const due = new Date(Date.parse(review.openedAt) + 48 * HOUR).toISOString();
    const cli = await runCli(
      [
        'review',
        'add',
        id,
        '--title',
        'Alert on chain expiry 30 days ahead',
        '--owner',
        'ben',
        '--due',
        due,
        '--by',
        'dev',
        '--json',
      ],
      { TEMPORAL_ADDRESS: env.address },
    );
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(JSON.parse(cli.stdout).message, 'action item A1 added');
    const refused = await runCli(['review', 'close', id, 'A9', '--by', 'ben'], {
      TEMPORAL_ADDRESS: env.address,
    });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /unknown action item "A9" \(items: A1\)/);

    // A second one from the status page, as the signed-in person.
    const gateway = await statusPage(env, join(work, 'store'));
    try {
      const headers = await signedIn(gateway.base, 'chloe');
      const post = (body: object) =>
        fetch(`${gateway.base}/status/review`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ incidentId: id, ...body }),
        });
      const added = await post({ action: 'add', title: 'Document the fallback switch' });
      assert.equal(added.status, 200, await added.text());
      assert.equal((await post({ action: 'close', item: 'A7' })).status, 409, 'refused by the incident');
      assert.equal((await post({ action: 'drop', item: 'A2' })).status, 400, 'not an action');
      const { 'x-csrf-token': _csrf, ...noCsrf } = headers;
      const forged = await fetch(`${gateway.base}/status/review`, {
        method: 'POST',
        headers: noCsrf,
        body: JSON.stringify({ incidentId: id, action: 'close', item: 'A2' }),
      });
      assert.equal(forged.status, 403, 'no CSRF token');
      assert.deepEqual(
        (await status()).review!.items.map((i) => [i.id, i.owner ?? null, i.addedBy]),
        [
          ['A1', 'ben', 'dev'],
          ['A2', null, 'chloe'],
        ],
      );
      assert.equal((await post({ action: 'close', item: 'A2', note: 'written up' })).status, 200);
    } finally {
      await gateway.close();
    }

    const reminded = (m: { to: string[]; subject: string }) =>
      m.to.includes('ben.okafor@example.com') && m.subject.startsWith('[REVIEW REMINDER]');
    // Not before a day ahead of the due date: an hour before that moment, no reminder yet …
    const addedAt = Date.parse((await status()).review!.items[0]!.addedAt);
    await env.sleep(Date.parse(due) - 25 * HOUR - addedAt);
    await sendAction(env.client, id, 'closeReviewItem', { item: 'A9', by: 'probe' }); // a workflow task
    await mail.waitFor(() => true, mail.messages.length); // every message so far parsed
    assert.equal(mail.messages.filter(reminded).length, 0, 'no reminder a day and an hour before');
    // … and then one, once.
    await env.sleep(2 * HOUR);
    const [reminder] = await mail.waitFor(reminded);
    assert.match(reminder!.text, /A1 \[open\] Alert on chain expiry 30 days ahead \(owner ben, due /);
    await env.sleep(6 * HOUR);
    assert.equal(mail.messages.filter(reminded).length, 1, 'reminded once');

    // Closed from the Web UI (a signal), then the review recorded: the incident closes.
    await env.client.workflow
      .getHandle(id)
      .signal(closeReviewItemSignal, { item: 'A1', by: 'ben', note: 'alert added' });
    const recorded = await sendAction(env.client, id, 'recordReview', {
      by: 'dev',
      summary: 'chain monitoring was missing',
    });
    assert.equal(recorded.outcome, 'accepted', recorded.message);
    const final = (await env.client.workflow.getHandle(id).result()) as IncidentStatus;
    assert.equal(final.review!.state, 'recorded');
    assert.equal(final.phase, 'resolved');
    assert.deepEqual(
      final.review!.items.map((i) => [i.id, i.state, i.closedBy]),
      [
        ['A1', 'closed', 'ben'],
        ['A2', 'closed', 'chloe'],
      ],
    );

    const pack = readPack(join(work, 'store', id));
    assert.ok(verifyPack(pack).ok);
    const packed = JSON.parse(pack.get('review.json')!.toString()).review;
    assert.equal(packed.recorded.summary, 'chain monitoring was missing');
    const decisions = JSON.parse(pack.get('decisions.json')!.toString()).decisions as {
      action: string;
      channel: string;
    }[];
    assert.ok(decisions.some((d) => d.action === 'closeReviewItem' && d.channel === 'Temporal Web UI'));
    assert.ok(decisions.some((d) => d.action === 'addReviewItem' && d.channel === 'CLI'));
    assert.ok(decisions.some((d) => d.action === 'addReviewItem' && d.channel === 'status page'));
  });

  it('refuses hostile review actions and changes nothing, then closes when a named person waives it', async () => {
    const { id, status } = await resolvedIncident('waived');
    const before = await status();
    const names = [
      'addReviewItem',
      'assignReviewItem',
      'closeReviewItem',
      'recordReview',
      'waiveReview',
    ] as const;
    const hostile = fc.record(
      {
        title: fc.oneof(fc.constant(''), fc.string({ minLength: 501, maxLength: 600 }), fc.integer()),
        item: fc.oneof(fc.constantFrom('A0x', '__proto__', ''), fc.integer()),
        owner: fc.oneof(fc.constant(''), fc.constant(null)),
        due: fc.constantFrom('yesterday', '1970-01-01T00:00:00Z', '2999-01-01T00:00:00Z'),
        summary: fc.oneof(fc.constant(''), fc.constant(null)),
        reason: fc.oneof(fc.constant(''), fc.integer()),
        by: fc.oneof(fc.constant(''), fc.constant(null), fc.string({ minLength: 101, maxLength: 120 })),
      },
      { requiredKeys: ['by'] },
    );
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...names), hostile, async (name, payload) => {
        const outcome = await sendAction(env.client, id, name, payload as never);
        sent++;
        assert.equal(outcome.outcome, 'refused', `${name} ${JSON.stringify(payload)}: ${outcome.message}`);
      }),
      { numRuns: 25 },
    );
    const after = await status();
    assert.deepEqual(after.review, before.review, 'nothing changed');
    assert.equal(
      after.timeline.filter((e) => e.kind === 'refused').length -
        before.timeline.filter((e) => e.kind === 'refused').length,
      sent,
    );
    const history = await env.client.workflow.getHandle(id).fetchHistory();
    assert.ok(!history.events!.some((e) => e.workflowTaskFailedEventAttributes), 'no workflow task failed');

    const waived = await sendAction(env.client, id, 'waiveReview', {
      by: 'greta',
      reason: 'duplicate of the incident reviewed yesterday',
    });
    assert.equal(waived.outcome, 'accepted', waived.message);
    const final = (await env.client.workflow.getHandle(id).result()) as IncidentStatus;
    assert.deepEqual(final.review!.waived?.by, 'greta');
    const again = await sendAction(env.client, id, 'recordReview', { by: 'dev', summary: 'late' }).catch(
      (e: Error) => e,
    );
    assert.ok(
      again instanceof Error || again.outcome !== 'accepted',
      'a closed incident takes no more review actions',
    );
  });
});
