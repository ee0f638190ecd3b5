import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createWorker } from '../temporal/encrypted';
import type { FastifyInstance } from 'fastify';
import { createActivities } from '../activities';
import { RUNBOOK_ACTIVITIES, type RunbookActivityInput } from '../activities/catalog';
import { hookIdempotencyKey } from '../activities/remediation-hooks';
import { HooksConfig, loadHooksConfig } from '../hooks/hooks-config';
import { FileProblems } from '../lib/yaml-file';
import type { IncidentFacts, StepResult } from '../domain/incident';
import { buildGateway } from '../gateway/server';
import type { runCatalogActivity } from './workflows';
import { createTestPki, hoursFromNow, issue, type TestPki } from './helpers/certs';
import { testDeps } from './helpers/deps';
import { shippedRunbooks } from './helpers/incidents';
import { startLocalTemporal, uniqueTaskQueue } from './helpers/temporal';
import { testWorkflowBundle } from './helpers/test-workflows';
import { startTlsServer, type LoopbackTlsServer } from './helpers/tls-server';

const FACTS: IncidentFacts = {
  title: 'Certificate chain invalid',
  pattern: 'certificate-chain',
  severity: 'sev1',
  region: 'eu',
  euPersonalData: false,
  source: 'test',
  labels: {},
  custom: {},
};
const HOOK_SCRIPT = join(__dirname, 'helpers', 'hook-command.js');
const SECRET = 'pki-secret-value-123';

/** A loopback HTTP endpoint for HTTP hooks: records requests, answers from a script of statuses. */
interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('continuity activities through a real worker (dev server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let http: Server;
  let httpBase: string;
  let gateway: FastifyInstance;
  let gatewayBase: string;
  let pki: TestPki;
  let dir: string;
  const requests: RecordedRequest[] = [];
  const replies: Array<{ status: number; body: string }> = [];
  const tlsServers: LoopbackTlsServer[] = [];
  const taskQueue = uniqueTaskQueue('continuity');
  let run = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lockout-continuity-'));
    pki = createTestPki();
    writeFileSync(join(dir, 'root.pem'), pki.root.certPem);
    http = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const reply = replies.shift() ?? { status: 200, body: 'ok' };
        res.writeHead(reply.status, { 'content-type': 'text/plain' }).end(reply.body);
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    httpBase = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

    const hooks = HooksConfig.parse({
      hooks: {
        'rotate-certificate': {
          kind: 'http',
          description: 'Ask the PKI to re-issue a certificate',
          url: `${httpBase}/rotate/{{endpoint}}`,
          headers: { Authorization: { secretEnv: 'PKI_TOKEN', prefix: 'Bearer ' }, 'X-Team': 'sre' },
          body: { endpoint: '{{endpoint}}', incident: '{{incidentId}}', note: 'from "{{step}}"' },
          params: { endpoint: { pattern: '^[a-z0-9.-]+$' } },
          timeout: '5s',
        },
        'needs-missing-secret': {
          kind: 'http',
          description: 'Uses a secret that is not set',
          url: `${httpBase}/never`,
          headers: { Authorization: { secretEnv: 'NOT_SET_ANYWHERE' } },
        },
        'reload-proxy': {
          kind: 'command',
          description: 'Reload the edge proxy',
          argv: [process.execPath, HOOK_SCRIPT, 'echo', '{{site}}'],
          env: { PROXY_TOKEN: { secretEnv: 'PKI_TOKEN' } },
          params: { site: {} },
        },
        'failing-command': {
          kind: 'command',
          description: 'A command that fails',
          argv: [process.execPath, HOOK_SCRIPT, 'fail', '3'],
        },
        'chatty-command': {
          kind: 'command',
          description: 'A command with a lot to say',
          argv: [process.execPath, HOOK_SCRIPT, 'flood'],
        },
        'slow-command': {
          kind: 'command',
          description: 'A command that hangs',
          argv: [process.execPath, HOOK_SCRIPT, 'sleep', '60000'],
          timeout: '1s',
        },
        'not-allowed': {
          kind: 'command',
          description: 'A program outside the allow-list',
          argv: ['/usr/bin/env', 'node', HOOK_SCRIPT, 'touch', join(dir, 'not-allowed-ran')],
        },
      },
    });
    const deps = testDeps('smtp://127.0.0.1:1', {
      continuity: {
        hooks: () => hooks,
        allowedCommands: [process.execPath],
        secrets: { PKI_TOKEN: SECRET },
        journeysFile: join(dir, 'journeys.json'),
      },
    });
    env = await startLocalTemporal();
    worker = await createWorker({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await testWorkflowBundle(),
      activities: createActivities(deps),
    });
    running = worker.run();
    const runbooks = shippedRunbooks();
    gateway = buildGateway({
      intake: { client: env.client, taskQueue, runbooks: () => runbooks },
      webUiLink: (id) => id,
      journeysFile: deps.continuity.journeysFile,
    });
    await gateway.listen({ host: '127.0.0.1', port: 0 });
    gatewayBase = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await gateway?.close();
    worker?.shutdown();
    await running;
    await env?.teardown();
    http?.close();
    await Promise.all(tlsServers.map((s) => s.close()));
  });
  beforeEach(() => {
    requests.splice(0);
    replies.splice(0);
  });

  /** Runs one runbook activity the way the engine will: scheduled by a workflow, run by the worker. */
  function step(
    activity: string,
    args: Record<string, unknown>,
    stepId = `step-${++run}`,
  ): Promise<StepResult> {
    const input: RunbookActivityInput = {
      incidentId: 'lockout-continuity-test',
      step: stepId,
      args,
      facts: FACTS,
    };
    return env.client.workflow.execute<typeof runCatalogActivity>('runCatalogActivity', {
      taskQueue,
      workflowId: `${taskQueue}-${activity}-${++run}`,
      args: [activity, input],
    });
  }

  /** The activity's failure (non-retryable ApplicationFailure), as the engine would see it. */
  async function refusal(promise: Promise<unknown>): Promise<ApplicationFailure> {
    try {
      await promise;
    } catch (err) {
      assert.ok(err instanceof WorkflowFailedError, String(err));
      const failure = (err.cause as { cause?: unknown }).cause;
      assert.ok(failure instanceof ApplicationFailure, String(failure));
      return failure;
    }
    assert.fail('expected the step to be refused');
  }

  it('every catalog entry has an implementation the worker registers', () => {
    const implemented = createActivities(testDeps('smtp://127.0.0.1:1'));
    for (const name of Object.keys(RUNBOOK_ACTIVITIES))
      assert.equal(typeof (implemented as Record<string, unknown>)[name], 'function', name);
    assert.deepEqual(
      ['checkTlsEndpoint', 'runRemediationHook', 'setJourneyMode'].map((n) => RUNBOOK_ACTIVITIES[n]?.risky),
      [false, true, true],
    );
  });

  describe('runRemediationHook', () => {
    it('calls an HTTP hook with its secret, template body and the idempotency key; output captured without the secret', async () => {
      replies.push({ status: 202, body: `accepted; token seen: ${SECRET}` });
      const result = await step(
        'runRemediationHook',
        { hook: 'rotate-certificate', params: { endpoint: 'api.shop.test' } },
        'rotate',
      );
      assert.equal(result.ok, true);
      assert.equal(
        result.summary,
        'hook rotate-certificate (Ask the PKI to re-issue a certificate): done, HTTP 202',
      );
      const [request] = requests;
      assert.equal(request?.method, 'POST');
      assert.equal(request?.url, '/rotate/api.shop.test');
      assert.equal(request?.headers.authorization, `Bearer ${SECRET}`);
      assert.equal(request?.headers['x-team'], 'sre');
      assert.equal(
        request?.headers['idempotency-key'],
        hookIdempotencyKey('lockout-continuity-test', 'rotate', 'rotate-certificate'),
      );
      assert.deepEqual(JSON.parse(request?.body ?? ''), {
        endpoint: 'api.shop.test',
        incident: 'lockout-continuity-test',
        note: 'from "rotate"',
      });
      assert.equal(result.data?.output, 'accepted; token seen: [redacted]');
      assert.equal(result.data?.status, 202);
    });

    it('retries a 503 with the same idempotency key, and reports a 409 as a failed step', async () => {
      replies.push({ status: 503, body: 'busy' }, { status: 200, body: 'rotated' });
      const retried = await step('runRemediationHook', {
        hook: 'rotate-certificate',
        params: { endpoint: 'a.test' },
      });
      assert.equal(retried.ok, true);
      assert.equal(requests.length, 2);
      assert.equal(requests[0]!.headers['idempotency-key'], requests[1]!.headers['idempotency-key']);

      replies.push({ status: 409, body: 'rotation already in progress' });
      const conflict = await step('runRemediationHook', {
        hook: 'rotate-certificate',
        params: { endpoint: 'a.test' },
      });
      assert.equal(conflict.ok, false);
      assert.match(conflict.summary, /failed, HTTP 409/);
      assert.equal(conflict.data?.output, 'rotation already in progress');
    });

    it('runs an allow-listed command without a shell, with only its declared environment', async () => {
      const result = await step(
        'runRemediationHook',
        { hook: 'reload-proxy', params: { site: 'eu-edge' } },
        'reload',
      );
      assert.equal(result.ok, true, result.summary);
      assert.match(result.summary, /done, exit 0$/);
      const output = String(result.data?.output);
      assert.match(output, /^rotating eu-edge$/m);
      assert.match(
        output,
        new RegExp(
          `incident=lockout-continuity-test key=${hookIdempotencyKey('lockout-continuity-test', 'reload', 'reload-proxy')}`,
        ),
      );
      // The secret reached the command but not the captured output; the worker's HOME did not leak in.
      assert.match(output, /token=\[redacted\] home=-/);
    });

    it('reports a non-zero exit, a timeout, and keeps the start and end of long output', async () => {
      const failed = await step('runRemediationHook', { hook: 'failing-command' });
      assert.equal(failed.ok, false);
      assert.match(failed.summary, /failed, exit 3$/);
      assert.match(String(failed.data?.output), /cannot rotate: upstream said no/);

      const slow = await step('runRemediationHook', { hook: 'slow-command' });
      assert.equal(slow.ok, false);
      assert.match(slow.summary, /failed, timed out after 1s$/);
      assert.equal(slow.data?.timedOut, true);

      const chatty = await step('runRemediationHook', { hook: 'chatty-command' });
      const output = String(chatty.data?.output);
      assert.ok(output.startsWith('BEGINxxx'), output.slice(0, 20));
      assert.ok(output.trimEnd().endsWith('xxxEND'), output.slice(-20));
      // 100 009 characters: the first 1 024 and the last 3 072 are kept.
      assert.match(output, /\n… \[95913 characters omitted\] …\n/);
      assert.ok(output.length < 4_200, `${output.length} characters kept`);
    });

    it('refuses a program outside the allow-list and runs nothing', async () => {
      const failure = await refusal(step('runRemediationHook', { hook: 'not-allowed' }));
      assert.equal(failure.type, 'HookRefused');
      assert.equal(failure.nonRetryable, true);
      assert.match(
        failure.message,
        /\/usr\/bin\/env is not in the worker's allow-list LOCKOUT_HOOK_COMMANDS; nothing was run/,
      );
      assert.equal(existsSync(join(dir, 'not-allowed-ran')), false);
    });

    it('refuses unknown hooks, undeclared or malformed parameters and missing secrets, naming the field', async () => {
      const unknown = await refusal(step('runRemediationHook', { hook: 'format-disk' }));
      assert.equal(unknown.type, 'UnknownHook');
      assert.match(unknown.message, /unknown hook "format-disk" \(configured: rotate-certificate, /);

      const params = await refusal(
        step('runRemediationHook', {
          hook: 'rotate-certificate',
          params: { endpoint: '../../etc', extra: 'x' },
        }),
      );
      assert.match(params.message, /params\.extra: not a parameter of hook "rotate-certificate"/);
      assert.match(params.message, /params\.endpoint: does not match \^\[a-z0-9\.-\]\+\$/);

      const flag = await refusal(
        step('runRemediationHook', { hook: 'reload-proxy', params: { site: '--all' } }),
      );
      assert.match(flag.message, /params\.site: does not match/);

      const secret = await refusal(step('runRemediationHook', { hook: 'needs-missing-secret' }));
      assert.match(
        secret.message,
        /headers\.Authorization: environment variable NOT_SET_ANYWHERE is not set on this worker/,
      );

      const args = await refusal(step('runRemediationHook', { hook: 7 }));
      assert.equal(args.type, 'InvalidArguments');
      assert.match(args.message, /runRemediationHook: invalid arguments: hook: /);
      assert.equal(requests.length, 0);
    });

    it('refuses a hooks file with a relative program or a bad pattern, with file, line and field', () => {
      const file = join(dir, 'hooks.yaml');
      writeFileSync(
        file,
        [
          'hooks:',
          '  reload:',
          '    kind: command',
          '    description: reload',
          '    argv: [reload-proxy]',
          '  call:',
          '    kind: http',
          '    description: call',
          '    url: ftp://x',
          '    params:',
          '      site: { pattern: "([" }',
          '',
        ].join('\n'),
      );
      assert.throws(
        () => loadHooksConfig(file),
        (err: unknown) => {
          assert.ok(err instanceof FileProblems);
          assert.match(
            err.message,
            /hooks\.yaml:5 {2}hooks\.reload\.argv: argv\[0\] must be an absolute path/,
          );
          assert.match(
            err.message,
            /hooks\.yaml:9 {2}hooks\.call\.url: must start with http:\/\/ or https:\/\//,
          );
          assert.match(
            err.message,
            /hooks\.yaml:11 {2}hooks\.call\.params\.site\.pattern: must be a valid regular expression/,
          );
          return true;
        },
      );
    });
  });

  describe('setJourneyMode and GET /journeys', () => {
    const journeys = async () => {
      const response = await fetch(`${gatewayBase}/journeys`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      return (await response.json()) as {
        journeys: Record<
          string,
          { mode: string; by: string; incidentId?: string; step?: string; since: string; reason?: string }
        >;
      };
    };

    it('publishes every journey as normal before anything was switched', async () => {
      const doc = await journeys();
      assert.deepEqual(
        Object.entries(doc.journeys).map(([j, s]) => `${j}=${s.mode}`),
        ['checkout-validation=normal', 'account-management=normal', 'product-discovery=normal'],
      );
    });

    it('switches checkout validation to fallback and back, each switch a step result with who, what and when', async () => {
      const toFallback = await step(
        'setJourneyMode',
        { journey: 'checkout-validation', mode: 'fallback', reason: 'CRM unreachable' },
        'degrade-checkout',
      );
      assert.equal(toFallback.ok, true);
      assert.equal(
        toFallback.summary,
        'journey checkout-validation switched from normal to fallback: CRM unreachable',
      );
      assert.equal(toFallback.data?.from, 'normal');
      assert.equal(toFallback.data?.to, 'fallback');

      const published = await journeys();
      const checkout = published.journeys['checkout-validation']!;
      assert.equal(checkout.mode, 'fallback');
      assert.equal(checkout.by, 'incident lockout-continuity-test step degrade-checkout');
      assert.equal(checkout.reason, 'CRM unreachable');
      assert.equal(checkout.since, toFallback.data?.at);
      assert.equal(published.journeys['product-discovery']?.mode, 'normal');
      // The file the storefront may read instead says the same.
      assert.deepEqual(
        JSON.parse(readFileSync(join(dir, 'journeys.json'), 'utf8')).journeys['checkout-validation'],
        checkout,
      );

      // The same step again (a retry, a replayed runbook) changes nothing.
      const again = await step(
        'setJourneyMode',
        { journey: 'checkout-validation', mode: 'fallback' },
        'degrade-checkout',
      );
      assert.equal(
        again.summary,
        'journey checkout-validation stays in fallback mode (already switched by this step)',
      );
      assert.equal((await journeys()).journeys['checkout-validation']?.since, checkout.since);

      const back = await step(
        'setJourneyMode',
        { journey: 'checkout-validation', mode: 'normal' },
        'restore-checkout',
      );
      assert.equal(back.summary, 'journey checkout-validation switched from fallback to normal');
      assert.equal((await journeys()).journeys['checkout-validation']?.mode, 'normal');
    });

    it('keeps every switch when three journeys switch at the same moment', async () => {
      await Promise.all(
        ['checkout-validation', 'account-management', 'product-discovery'].map((journey) =>
          step('setJourneyMode', { journey, mode: 'fallback' }, `degrade-${journey}`),
        ),
      );
      const doc = await journeys();
      assert.deepEqual(
        Object.values(doc.journeys).map((s) => s.mode),
        ['fallback', 'fallback', 'fallback'],
      );
    });

    it('refuses an unknown journey or mode, naming the field, and publishes nothing', async () => {
      const before = readFileSync(join(dir, 'journeys.json'), 'utf8');
      const failure = await refusal(step('setJourneyMode', { journey: 'search', mode: 'off' }));
      assert.equal(failure.type, 'InvalidArguments');
      assert.match(
        failure.message,
        /journey: Invalid option: expected one of "checkout-validation"\|"account-management"\|"product-discovery"/,
      );
      assert.match(failure.message, /mode: Invalid option: expected one of "normal"\|"fallback"/);
      assert.equal(readFileSync(join(dir, 'journeys.json'), 'utf8'), before);
    });
  });

  describe('checkTlsEndpoint', () => {
    async function serve(leaf: { keyPem: string; certPem: string }, chain: string[]): Promise<number> {
      const server = await startTlsServer(leaf.keyPem, [leaf.certPem, ...chain]);
      tlsServers.push(server);
      return server.port;
    }

    it('reports a valid chain as ok with its expiry, and one expiring within warnBefore as not ok', async () => {
      const healthy = pki.leaf({ dnsNames: ['api.lockout.test'], notAfter: hoursFromNow(24 * 60) });
      const port = await serve(healthy, [pki.intermediate.certPem]);
      const ok = await step('checkTlsEndpoint', {
        host: '127.0.0.1',
        port,
        servername: 'api.lockout.test',
        caFile: join(dir, 'root.pem'),
      });
      assert.equal(ok.ok, true, ok.summary);
      assert.match(
        ok.summary,
        new RegExp(
          `^api\\.lockout\\.test at 127\\.0\\.0\\.1:${port}: chain valid, expires \\S+ \\(in (59|60)d`,
        ),
      );

      const soon = pki.leaf({ dnsNames: ['api.lockout.test'], notAfter: hoursFromNow(48) });
      const soonPort = await serve(soon, [pki.intermediate.certPem]);
      const expiring = await step('checkTlsEndpoint', {
        host: '127.0.0.1',
        port: soonPort,
        servername: 'api.lockout.test',
        caFile: join(dir, 'root.pem'),
      });
      assert.equal(expiring.ok, false);
      assert.match(expiring.summary, /chain valid, expires .* \(in 1d 23h\), within 72h$/);
    });

    it('reports a self-signed certificate as a failed check with the verification code', async () => {
      const self = issue({ commonName: 'api.lockout.test', dnsNames: ['api.lockout.test'] });
      const port = await serve(self, []);
      const result = await step('checkTlsEndpoint', {
        host: '127.0.0.1',
        port,
        servername: 'api.lockout.test',
        caFile: join(dir, 'root.pem'),
      });
      assert.equal(result.ok, false);
      assert.match(
        result.summary,
        /chain does not validate: DEPTH_ZERO_SELF_SIGNED_CERT \(the server presents a self-signed certificate\)/,
      );
      assert.equal(result.data?.errorCode, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    });

    it('refuses bad arguments and an unreadable CA file', async () => {
      const args = await refusal(step('checkTlsEndpoint', { host: '127.0.0.1', port: 'https' }));
      assert.match(args.message, /checkTlsEndpoint: invalid arguments: port: /);
      const ca = await refusal(
        step('checkTlsEndpoint', { host: '127.0.0.1', caFile: join(dir, 'missing.pem') }),
      );
      assert.match(ca.message, /caFile .*missing\.pem: cannot read \(ENOENT\)/);
    });
  });
});
