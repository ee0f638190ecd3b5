import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from '../gateway/server';
import { createClient } from '../temporal/encrypted';
import { StartOutcomes } from '../client/start-outcomes';
import { TEST_KEYS } from './helpers/codec-keys';
import { createIncidentWorker } from '../workers/worker';
import { runCli } from './helpers/cli';
import { testDeps } from './helpers/deps';
import { incidentStatus, reviewOpen, shippedRunbooks } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { startLocalTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';

describe('alert intake: gateway and CLI (dev server)', function () {
  this.timeout(90_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let worker: Worker;
  let running: Promise<void>;
  let gateway: FastifyInstance;
  let base: string;
  const taskQueue = uniqueTaskQueue('intake');

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
    worker = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      deps: testDeps(mail.url),
      workflowBundle: await workflowBundle(),
    });
    running = worker.run();
    const runbooks = shippedRunbooks();
    gateway = buildGateway({
      intake: { client: env.client, taskQueue, runbooks: () => runbooks },
      webUiLink: (id) => `http://ui.test/workflows/${id}`,
      sources: { generic: { mode: 'none' } },
    });
    await gateway.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await gateway?.close();
    worker?.shutdown();
    await running;
    await env?.teardown();
    await mail?.close();
  });

  const post = (body: string, contentType = 'application/json') =>
    fetch(`${base}/alerts/generic`, { method: 'POST', headers: { 'content-type': contentType }, body });

  async function incidentsOnQueue(): Promise<string[]> {
    const ids: string[] = [];
    for await (const wf of env.client.workflow.list({ query: `TaskQueue = '${taskQueue}'` }))
      ids.push(wf.workflowId);
    return ids;
  }

  it('joins the same alert sent 5 times into one incident with alert count 5', async () => {
    const alert = JSON.stringify({
      title: 'Audit log pipeline blocked',
      pattern: 'audit-log-failure',
      fingerprint: 'dup-5',
    });
    const responses = await Promise.all([1, 2, 3, 4, 5].map(() => post(alert)));
    const bodies = await Promise.all(
      responses.map((r) => r.json() as Promise<{ incidentId: string; webUi: string }>),
    );
    assert.deepEqual(
      responses.map((r) => r.status),
      [202, 202, 202, 202, 202],
    );
    assert.deepEqual(new Set(bodies.map((b) => b.incidentId)), new Set(['lockout-dup-5']));
    assert.equal(bodies[0]!.webUi, 'http://ui.test/workflows/lockout-dup-5');

    const status = await incidentStatus(env.client, 'lockout-dup-5');
    assert.equal(status.alertCount, 5);
    assert.equal(status.alerts.length, 1);
    assert.equal(status.alerts[0]!.count, 5);
    assert.deepEqual(await incidentsOnQueue(), ['lockout-dup-5']);
    await mail.waitFor((m) => m.headers.get('x-lockout-incident') === 'lockout-dup-5');
  });

  it('signals an incident it saw running, and opens it again once that run has ended', async () => {
    // A gateway of its own, on a connection that counts the intake's calls by method.
    const calls = new Map<string, number>();
    const counting: Interceptor = (callOptions, nextCall) => {
      const method = callOptions.method_definition.path.split('/').at(-1)!;
      calls.set(method, (calls.get(method) ?? 0) + 1);
      return new InterceptingCall(nextCall(callOptions));
    };
    const starts = new StartOutcomes();
    const connection = await Connection.connect({
      address: env.address,
      interceptors: [counting, starts.interceptor],
    });
    const runbooks = shippedRunbooks();
    const own = buildGateway({
      intake: {
        client: createClient({ connection }, TEST_KEYS),
        taskQueue,
        runbooks: () => runbooks,
        starts,
      },
      webUiLink: (id) => `http://ui.test/workflows/${id}`,
      sources: { generic: { mode: 'none' } },
    });
    await own.listen({ host: '127.0.0.1', port: 0 });
    const alert = JSON.stringify({
      title: 'Sync locked out',
      pattern: 'acl-misconfiguration',
      fingerprint: 'sig-1',
    });
    const send = async () => {
      const response = await fetch(
        `http://127.0.0.1:${(own.server.address() as AddressInfo).port}/alerts/generic`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: alert,
        },
      );
      assert.equal(response.status, 202);
      return (await response.json()) as { outcome: string; runId: string; runbook: string };
    };
    try {
      const first = await send();
      assert.equal(first.outcome, 'opened');
      const next = [await send(), await send(), await send()];
      assert.deepEqual(
        next.map((r) => [r.outcome, r.runId, r.runbook]),
        next.map(() => ['joined', first.runId, first.runbook]),
      );
      assert.equal(
        calls.get('SignalWithStartWorkflowExecution'),
        1,
        'only the first alert carried the runbook',
      );
      assert.equal(calls.get('SignalWorkflowExecution'), 3);
      assert.equal((await incidentStatus(env.client, 'lockout-sig-1')).alertCount, 4);

      // The run ends: the next alert's signal finds no workflow, and the alert opens a new run.
      await env.client.workflow.getHandle('lockout-sig-1').terminate('test: the run ended');
      const reopened = await send();
      assert.equal(reopened.outcome, 'opened');
      assert.notEqual(reopened.runId, first.runId);
      assert.equal(calls.get('SignalWithStartWorkflowExecution'), 2);
      assert.equal((await incidentStatus(env.client, 'lockout-sig-1')).alertCount, 1);
      await env.client.workflow.getHandle('lockout-sig-1').terminate('test: done');
    } finally {
      await own.close();
      await connection.close();
    }
  });

  it('refuses bad alerts with the field and reason, and starts nothing', async () => {
    const before = await incidentsOnQueue();
    const missing = await post(JSON.stringify({ severity: 'critical', titel: 'typo' }));
    assert.equal(missing.status, 400);
    const { problems } = (await missing.json()) as { problems: string[] };
    assert.ok(problems.includes('title: required (string)'), problems.join('; '));
    assert.ok(
      problems.some((p) => p.startsWith('severity: ')),
      problems.join('; '),
    );
    assert.ok(
      problems.some((p) => p.includes('unknown field(s) titel')),
      problems.join('; '),
    );

    assert.equal((await post('{not json')).status, 400);
    assert.equal((await post('title=x', 'text/plain')).status, 415);
    assert.equal((await post(JSON.stringify({ title: 'x'.repeat(300 * 1024) }))).status, 413);
    assert.equal((await post('[1,2]')).status, 400);
    assert.deepEqual(await incidentsOnQueue(), before);
  });

  it('lets the CLI trigger, list, show, acknowledge and resolve an incident', async () => {
    const cliEnv = { TEMPORAL_ADDRESS: env.address, LOCKOUT_TASK_QUEUE: taskQueue };
    const triggered = await runCli(
      [
        'trigger',
        '--title',
        'Certificate chain invalid',
        '--pattern',
        'certificate-chain',
        '--severity',
        'sev1',
        '--region',
        'eu',
        '--fingerprint',
        'cli-1',
        '--json',
      ],
      cliEnv,
    );
    assert.equal(triggered.code, 0, triggered.stderr);
    assert.equal(JSON.parse(triggered.stdout).incidentId, 'lockout-cli-1');

    const listed = await runCli(['list', '--json', '--pattern', 'certificate-chain'], cliEnv);
    assert.equal(listed.code, 0, listed.stderr);
    const rows = JSON.parse(listed.stdout) as Array<{ incidentId: string; severity: string; region: string }>;
    assert.ok(
      rows.some((r) => r.incidentId === 'lockout-cli-1' && r.severity === 'sev1' && r.region === 'eu'),
    );

    const ack = await runCli(['ack', 'cli-1', '--by', 'ana'], cliEnv);
    assert.equal(ack.code, 0, ack.stderr);
    assert.match(ack.stdout, /acknowledged by ana/);

    const status = await runCli(['status', 'lockout-cli-1'], cliEnv);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /ACKNOWLEDGED/);
    assert.match(status.stdout, /acknowledged by ana/);

    const resolved = await runCli(
      ['resolve', 'cli-1', '--by', 'ana', '--reason', 'chain re-issued', '--json'],
      cliEnv,
    );
    assert.equal(resolved.code, 0, resolved.stderr);
    assert.equal(JSON.parse(resolved.stdout).message, 'resolved by ana');
    await mail.waitFor(
      (m) => m.headers.get('x-lockout-incident') === 'lockout-cli-1' && /RESOLVED/.test(m.subject),
      3,
    );

    // The shipped runbook keeps it open for its post-incident review; recording it closes it.
    await reviewOpen(env.client, 'lockout-cli-1');
    const reviewed = await runCli(
      ['review', 'record', 'cli-1', '--summary', 'monitor the chain', '--by', 'dev'],
      cliEnv,
    );
    assert.equal(reviewed.code, 0, reviewed.stderr);
    await env.client.workflow.getHandle('lockout-cli-1').result();

    const again = await runCli(['resolve', 'cli-1', '--by', 'ben', '--reason', 'twice'], cliEnv);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /closed/);
  });

  it('refuses bad CLI input with a clear message and a non-zero exit, starting nothing', async () => {
    const before = await incidentsOnQueue();
    const cliEnv = { TEMPORAL_ADDRESS: env.address, LOCKOUT_TASK_QUEUE: taskQueue };
    const badSeverity = await runCli(['trigger', '--title', 'x', '--severity', 'sev9'], cliEnv);
    assert.equal(badSeverity.code, 2);
    assert.match(badSeverity.stderr, /argument 'sev9' is invalid/);
    const noTitle = await runCli(['trigger', '--pattern', 'token-expiry'], cliEnv);
    assert.equal(noTitle.code, 2);
    assert.match(noTitle.stderr, /--title is required/);
    const badFingerprint = await runCli(['trigger', '--title', 'x', '--fingerprint', 'has spaces'], cliEnv);
    assert.equal(badFingerprint.code, 2);
    assert.match(badFingerprint.stderr, /fingerprint: must be/);
    const unknown = await runCli(['status', 'no-such-incident'], cliEnv);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no incident "lockout-no-such-incident"/);
    const serverDown = await runCli(['list'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(serverDown.code, 1);
    assert.match(serverDown.stderr, /cannot reach Temporal at 127\.0\.0\.1:1/);
    assert.deepEqual(await incidentsOnQueue(), before);
  });
});
