import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Connection, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { createClient } from '../temporal/encrypted';
import { TEST_KEYS } from './helpers/codec-keys';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { loadClassification } from '../intake/classification-file';
import { loadConfig } from '../config/env';
import { createLogger } from '../lib/logger';
import { loadSources } from '../gateway/sources-file';
import { signBody } from '../gateway/auth';
import { buildGateway, type GatewayOptions } from '../gateway/server';
import type { IncidentStatus } from '../domain/incident';
import { StartOutcomes } from '../client/start-outcomes';
import { createIncidentWorker } from '../workers/worker';
import { testDeps } from './helpers/deps';
import { fixture, fixtureText } from './helpers/fixtures';
import { incidentStatus, shippedRunbooks } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { metricValue } from './helpers/prometheus';
import { startLocalTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';

const ROOT = join(__dirname, '..');
const TOKENS = {
  LOCKOUT_ALERTMANAGER_TOKEN: 'am-token-0b9f3c2d1e',
  LOCKOUT_PAGERDUTY_TOKEN: 'pd-token-7a6b5c4d3e',
  LOCKOUT_DATADOG_TOKEN: 'dd-token-1f2e3d4c5b',
};
const GENERIC_SECRET = 'generic-hmac-secret-9c8d7e6f';

describe('alert gateway: every format, authentication, validation, metrics, logs (dev server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let worker: Worker;
  let running: Promise<void>;
  let connection: Connection;
  let gateway: FastifyInstance;
  let base: string;
  const logLines: string[] = [];
  const taskQueue = uniqueTaskQueue('gateway');
  const runbooks = shippedRunbooks();

  function gatewayOptions(client: Client, overrides: Partial<GatewayOptions> = {}): GatewayOptions {
    const shipped = loadSources(join(ROOT, 'config', 'sources.yaml'), TOKENS);
    const rules = loadClassification(join(ROOT, 'config', 'classification.yaml'));
    const starts = new StartOutcomes();
    return {
      intake: { client, taskQueue, runbooks: () => runbooks, starts },
      webUiLink: (id) => `http://ui.test/workflows/${id}`,
      sources: {
        ...shipped.auth,
        generic: { mode: 'hmac', secrets: [GENERIC_SECRET], replayWindowMs: 300_000 },
      },
      classification: () => rules,
      ...overrides,
    };
  }

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
    const starts = new StartOutcomes();
    connection = await Connection.connect({ address: env.address, interceptors: [starts.interceptor] });
    const options = gatewayOptions(createClient({ connection }, TEST_KEYS));
    const logger = createLogger('info', 'gateway', { write: (line: string) => void logLines.push(line) });
    gateway = buildGateway({ ...options, intake: { ...options.intake, starts }, logger });
    await gateway.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await gateway?.close();
    await connection?.close();
    worker?.shutdown();
    await running;
    await env?.teardown();
    await mail?.close();
  });

  async function post(path: string, body: string, headers: Record<string, string> = {}) {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Leave json empty: the assertions on status say what went wrong.
    }
    return { status: response.status, json, text };
  }
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  function signed(body: string, secret = GENERIC_SECRET, timestamp = Math.floor(Date.now() / 1000)) {
    return {
      'x-lockout-timestamp': String(timestamp),
      'x-lockout-signature': signBody(secret, timestamp, body),
    };
  }

  async function incidentsOnQueue(): Promise<string[]> {
    const ids: string[] = [];
    for await (const wf of env.client.workflow.list({ query: `TaskQueue = '${taskQueue}'` }))
      ids.push(wf.workflowId);
    return ids.sort();
  }
  const status = (id: string): Promise<IncidentStatus> => incidentStatus(env.client, id);

  describe('each format opens the right incident', () => {
    it('Alertmanager: each alert of a webhook opens its own incident, classified by the shipped rules', async () => {
      const body = fixtureText('alertmanager-salesforce-group.json');
      const first = await post('/alerts/alertmanager', body, bearer(TOKENS.LOCKOUT_ALERTMANAGER_TOKEN));
      assert.equal(first.status, 202, first.text);
      const incidents = first.json.incidents as Array<Record<string, unknown>>;
      assert.deepEqual(
        incidents.map((i) => [i.incidentId, i.outcome, i.pattern, i.runbook]),
        [
          ['lockout-am-7c2f4e1a9b3d5e60', 'opened', 'certificate-chain', 'certificate-chain'],
          ['lockout-am-0d9e8f7a6b5c4d3e', 'opened', 'acl-misconfiguration', 'acl-misconfiguration'],
        ],
      );
      assert.equal(incidents[0]!.webUi, 'http://ui.test/workflows/lockout-am-7c2f4e1a9b3d5e60');

      const cert = await status('lockout-am-7c2f4e1a9b3d5e60');
      assert.deepEqual(
        [cert.facts.pattern, cert.facts.severity, cert.facts.region],
        ['certificate-chain', 'sev1', 'eu'],
      );
      assert.equal(cert.facts.source, 'alertmanager');
      assert.equal(cert.facts.labels.alertname, 'SalesforceTLSChainInvalid');
      const acl = await status('lockout-am-0d9e8f7a6b5c4d3e');
      assert.deepEqual(
        [acl.facts.pattern, acl.facts.severity, acl.facts.region],
        ['acl-misconfiguration', 'sev2', 'eu'],
      );

      // Alertmanager repeats the group: both join, none opens.
      const again = await post('/alerts/alertmanager', body, bearer(TOKENS.LOCKOUT_ALERTMANAGER_TOKEN));
      assert.deepEqual(
        (again.json.incidents as Array<{ outcome: string }>).map((i) => i.outcome),
        ['joined', 'joined'],
      );
      assert.equal((await status('lockout-am-7c2f4e1a9b3d5e60')).alertCount, 2);
      await mail.waitFor((m) => m.headers.get('x-lockout-incident') === 'lockout-am-7c2f4e1a9b3d5e60');
    });

    it('PagerDuty: trigger opens; acknowledge and resolve join it; a resolve for nothing running starts nothing', async () => {
      const auth = bearer(TOKENS.LOCKOUT_PAGERDUTY_TOKEN);
      const trigger = await post('/alerts/pagerduty', fixtureText('pagerduty-docs-trigger.json'), auth);
      assert.equal(trigger.status, 202, trigger.text);
      assert.equal(trigger.json.status, 'success');
      assert.equal(trigger.json.dedup_key, 'srv01/mysql');
      assert.equal(trigger.json.outcome, 'opened');
      const incidentId = trigger.json.incidentId as string;
      assert.match(incidentId, /^lockout-pd-h-[0-9a-f]{24}$/);

      // PagerDuty-speaking tools post to …/v2/enqueue.
      const ack = await post(
        '/alerts/pagerduty/v2/enqueue',
        fixtureText('pagerduty-docs-acknowledge.json'),
        auth,
      );
      assert.equal(ack.status, 202, ack.text);
      assert.deepEqual(
        [ack.json.incidentId, ack.json.outcome, ack.json.alertStatus],
        [incidentId, 'joined', 'acknowledged'],
      );
      const resolve = await post('/alerts/pagerduty', fixtureText('pagerduty-docs-resolve.json'), auth);
      assert.deepEqual([resolve.json.incidentId, resolve.json.outcome], [incidentId, 'joined']);

      const incident = await status(incidentId);
      assert.equal(incident.alertCount, 3);
      assert.deepEqual([incident.facts.severity, incident.facts.pattern], ['sev1', 'unclassified']);
      assert.equal(incident.phase, 'detected'); // a vendor's acknowledge is a fact, not a person's
      assert.deepEqual(
        incident.alerts.map((a) => a.status),
        ['firing', 'resolved'], // the trigger; then acknowledge and resolve, which carry no summary
      );

      const before = await incidentsOnQueue();
      const orphan = await post(
        '/alerts/pagerduty',
        JSON.stringify({ routing_key: 'k', event_action: 'resolve', dedup_key: 'never-triggered' }),
        auth,
      );
      assert.equal(orphan.status, 202, orphan.text);
      assert.equal(orphan.json.outcome, 'not-running');
      assert.match(orphan.json.note as string, /nothing was started/);
      await assert.rejects(
        env.client.workflow.getHandle('lockout-pd-never-triggered').describe(),
        WorkflowNotFoundError,
      );
      assert.deepEqual(await incidentsOnQueue(), before);
    });

    it('Datadog: the default payload opens an incident; a recovery joins its alert cycle', async () => {
      const auth = bearer(TOKENS.LOCKOUT_DATADOG_TOKEN);
      const plain = await post('/alerts/datadog', fixtureText('datadog-default-payload.json'), auth);
      assert.equal(plain.status, 202, plain.text);
      assert.equal(plain.json.outcome, 'opened');
      assert.equal((await status(plain.json.incidentId as string)).facts.title, '[Memory Alert]');

      const triggered = await post('/alerts/datadog', fixtureText('datadog-salesforce-triggered.json'), auth);
      assert.equal(triggered.json.incidentId, 'lockout-dd-7716548234011230000');
      const recovered = await post('/alerts/datadog', fixtureText('datadog-salesforce-recovered.json'), auth);
      assert.deepEqual(
        [recovered.json.incidentId, recovered.json.outcome],
        ['lockout-dd-7716548234011230000', 'joined'],
      );
      const incident = await status('lockout-dd-7716548234011230000');
      assert.deepEqual(
        [incident.facts.pattern, incident.facts.severity, incident.facts.region],
        ['token-expiry', 'sev1', 'eu'],
      );
      assert.equal(incident.alertCount, 2);
      assert.deepEqual(
        incident.alerts.map((a) => [a.title, a.status, a.count]),
        [['Salesforce OAuth token rejected', 'resolved', 2]],
      );
    });

    it('generic: a signed alert keeps what it states', async () => {
      const body = fixtureText('generic-readme-example.json');
      const response = await post('/alerts/generic', body, signed(body));
      assert.equal(response.status, 202, response.text);
      assert.deepEqual(
        [response.json.incidentId, response.json.outcome],
        ['lockout-sf-cert-chain-prod', 'opened'],
      );
      const incident = await status('lockout-sf-cert-chain-prod');
      assert.deepEqual(
        [
          incident.facts.pattern,
          incident.facts.severity,
          incident.facts.region,
          incident.facts.euPersonalData,
        ],
        ['certificate-chain', 'sev1', 'eu', true],
      );
      assert.equal(incident.facts.source, 'blackbox-exporter');
    });
  });

  describe('authentication', () => {
    it('records a signed alert once: an exact replay inside the window is 409, a freshly signed copy counts', async () => {
      const body = JSON.stringify({ title: 'Replayed lockout alert', fingerprint: 'replay-check' });
      const metricsBefore = await (await fetch(`${base}/metrics`)).text();
      const headers = signed(body);
      const first = await post('/alerts/generic', body, headers);
      assert.equal(first.status, 202, first.text);
      const replay = await post('/alerts/generic', body, headers);
      assert.equal(replay.status, 409);
      assert.equal(replay.json.error, 'replayed request');
      assert.match(String(replay.json.reason), /sign each new alert with a fresh timestamp/);
      const id = String(first.json.incidentId);
      assert.equal((await status(id)).alertCount, 1, 'the replay was not counted');

      const resigned = await post(
        '/alerts/generic',
        body,
        signed(body, GENERIC_SECRET, Math.floor(Date.now() / 1000) + 1),
      );
      assert.equal(resigned.status, 202, resigned.text);
      assert.equal((await status(id)).alertCount, 2);

      // A request that recorded nothing may be sent again as it was, and gets the same answer.
      const invalid = JSON.stringify({ title: 42 });
      const invalidHeaders = signed(invalid);
      assert.equal((await post('/alerts/generic', invalid, invalidHeaders)).status, 400);
      assert.equal((await post('/alerts/generic', invalid, invalidHeaders)).status, 400);

      const metricsAfter = await (await fetch(`${base}/metrics`)).text();
      const replayed = { source: 'generic', reason: 'replayed' };
      assert.equal(
        metricValue(metricsAfter, 'lockout_gateway_rejections_total', replayed) -
          metricValue(metricsBefore, 'lockout_gateway_rejections_total', replayed),
        1,
      );
    });

    it('answers 401 without, or with a wrong, credential for every source, and starts nothing', async () => {
      const before = await incidentsOnQueue();
      const bodies = {
        alertmanager: fixtureText('alertmanager-salesforce-group.json').replace(
          /7c2f4e1a9b3d5e60/,
          'unauth000000001',
        ),
        pagerduty: JSON.stringify({ ...fixture('pagerduty-docs-trigger.json'), dedup_key: 'unauth-1' }),
        datadog: JSON.stringify({ ...fixture('datadog-default-payload.json'), title: 'unauth' }),
        generic: JSON.stringify({ title: 'unauth', fingerprint: 'unauth-1' }),
      };
      const attempts: Array<[string, string, Record<string, string>]> = [];
      for (const [source, body] of Object.entries(bodies)) {
        attempts.push([source, body, {}]);
        attempts.push([source, body, bearer('wrong-token')]);
      }
      // A token of another source is not this source's token.
      attempts.push(['alertmanager', bodies.alertmanager, bearer(TOKENS.LOCKOUT_DATADOG_TOKEN)]);
      // Generic is signed: a signature of another body, with another secret, or too old.
      attempts.push(['generic', bodies.generic, signed('{"title":"other"}')]);
      attempts.push(['generic', bodies.generic, signed(bodies.generic, 'not-the-secret')]);
      attempts.push([
        'generic',
        bodies.generic,
        signed(bodies.generic, GENERIC_SECRET, Math.floor(Date.now() / 1000) - 600),
      ]);
      for (const [source, body, headers] of attempts) {
        const response = await post(`/alerts/${source}`, body, headers);
        assert.equal(response.status, 401, `${source} ${JSON.stringify(headers)}: ${response.text}`);
        assert.equal(response.json.error, 'not authenticated');
        assert.equal(typeof response.json.reason, 'string');
      }
      const stale = await post(
        '/alerts/generic',
        bodies.generic,
        signed(bodies.generic, GENERIC_SECRET, Math.floor(Date.now() / 1000) - 600),
      );
      assert.match(stale.json.reason as string, /away from the gateway's clock/);
      assert.deepEqual(await incidentsOnQueue(), before);
    });

    it('refuses every request of a source that is not configured', async () => {
      const unconfigured = buildGateway(gatewayOptions(env.client, { sources: {} }));
      const response = await unconfigured.inject({
        method: 'POST',
        url: '/alerts/generic',
        headers: { 'content-type': 'application/json', authorization: 'Bearer anything' },
        payload: JSON.stringify({ title: 'x', fingerprint: 'unconfigured-1' }),
      });
      assert.equal(response.statusCode, 401);
      assert.match(response.json<{ reason: string }>().reason, /no credentials configured/);
      await unconfigured.close();
    });
  });

  describe('bad input', () => {
    const credentials: Record<string, (body: string) => Record<string, string>> = {
      alertmanager: () => bearer(TOKENS.LOCKOUT_ALERTMANAGER_TOKEN),
      pagerduty: () => bearer(TOKENS.LOCKOUT_PAGERDUTY_TOKEN),
      datadog: () => bearer(TOKENS.LOCKOUT_DATADOG_TOKEN),
      generic: (body) => signed(body),
    };

    it('answers 415, 413 and 400 with the reason for every source, never a 500, and starts nothing', async () => {
      const before = await incidentsOnQueue();
      for (const [source, auth] of Object.entries(credentials)) {
        const url = `${base}/alerts/${source}`;
        const textPlain = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'text/plain', ...auth('x') },
          body: 'x',
        });
        assert.equal(textPlain.status, 415, source);
        assert.match(
          ((await textPlain.json()) as { error: string }).error,
          /Content-Type must be application\/json/,
        );
        const form = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth('a=b') },
          body: 'a=b',
        });
        assert.equal(form.status, 415, source);

        const huge = JSON.stringify({ title: 'x'.repeat(300 * 1024) });
        const tooLarge = await post(`/alerts/${source}`, huge, auth(huge));
        assert.equal(tooLarge.status, 413, source);
        assert.match(tooLarge.json.error as string, /body larger than 262144 bytes/);

        for (const [body, expected] of [
          ['{not json', /^\(body\): /],
          ['', /the body is empty/],
          ['{"__proto__": {"polluted": true}, "title": "x"}', /^\(body\): /],
        ] as const) {
          const response = await post(`/alerts/${source}`, body, auth(body));
          assert.equal(response.status, 400, `${source} ${body}: ${response.text}`);
          assert.equal(response.json.error, 'invalid JSON');
          assert.match((response.json.problems as string[])[0]!, expected);
        }
      }
      assert.deepEqual(await incidentsOnQueue(), before);
    });

    it('names the bad fields of each format (400) and starts nothing', async () => {
      const before = await incidentsOnQueue();
      const cases: Array<[string, unknown, RegExp]> = [
        [
          'alertmanager',
          { version: '4', alerts: [{ status: 'firing', labels: { severity: 1 } }] },
          /^alerts\.0\.labels\.severity: /,
        ],
        ['alertmanager', { receiver: 'x' }, /^alerts: required \(array\)$/],
        [
          'pagerduty',
          { routing_key: 'k', event_action: 'trigger' },
          /^payload: required for a trigger event/,
        ],
        [
          'pagerduty',
          {
            routing_key: 'k',
            event_action: 'trigger',
            payload: { summary: 's', source: 'h', severity: 'fatal' },
          },
          /^payload\.severity: /,
        ],
        ['datadog', { body: 'no title here' }, /^title: required/],
        ['generic', { titel: 'typo', severity: 'critical' }, /^title: required \(string\)$/],
        ['generic', { title: 'x', fingerprint: 'has spaces' }, /^fingerprint: must be/],
      ];
      for (const [source, payload, expected] of cases) {
        const body = JSON.stringify(payload);
        const response = await post(`/alerts/${source}`, body, credentials[source]!(body));
        assert.equal(response.status, 400, `${source}: ${response.text}`);
        assert.match(response.json.error as string, /^invalid /);
        const problems = response.json.problems as string[];
        assert.ok(
          problems.some((p) => expected.test(p)),
          `${source}: ${problems.join('; ')}`,
        );
      }
      assert.deepEqual(await incidentsOnQueue(), before);
    });

    it('never answers 500 to malformed payloads of any shape', async () => {
      const before = await incidentsOnQueue();
      const deep = '['.repeat(5000) + ']'.repeat(5000);
      const shapes = [
        'null',
        '[]',
        '"text"',
        '42',
        'true',
        '{}',
        deep,
        JSON.stringify({ alerts: 'many' }),
        JSON.stringify({ alerts: [null, 1, 'x'] }),
        JSON.stringify({ alerts: Array.from({ length: 1001 }, () => ({ status: 'firing', labels: {} })) }),
        JSON.stringify({ event_action: ['trigger'], payload: [] }),
        JSON.stringify({ title: 12, tags: { env: 'prod' }, org: 'x' }),
        JSON.stringify({ title: ['\u0000\ud800'], labels: { '': '' } }),
        JSON.stringify({ constructor: { prototype: { polluted: true } } }),
      ];
      for (const source of Object.keys(credentials)) {
        for (const body of shapes) {
          const response = await post(`/alerts/${source}`, body, credentials[source]!(body));
          assert.ok(
            response.status >= 400 && response.status < 500,
            `${source} ${body.slice(0, 60)} → ${response.status} ${response.text}`,
          );
        }
      }
      assert.deepEqual(await incidentsOnQueue(), before);
    });

    it('answers 503 when Temporal is unreachable, recording nothing', async () => {
      const down = await Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1s' });
      const options = gatewayOptions(createClient({ connection: down }, TEST_KEYS));
      const unreachable = buildGateway({ ...options, intake: { ...options.intake, timeoutMs: 2_000 } });
      const body = JSON.stringify({ title: 'x', fingerprint: 'while-down' });
      const response = await unreachable.inject({
        method: 'POST',
        url: '/alerts/generic',
        headers: { 'content-type': 'application/json', ...signed(body) },
        payload: body,
      });
      assert.equal(response.statusCode, 503, response.body);
      assert.match(response.json<{ error: string }>().error, /the alert was not recorded, retry/);
      await unreachable.close();
      await down.close();
    });
  });

  describe('observability', () => {
    it('serves /metrics only with its bearer token when LOCKOUT_METRICS_TOKEN is set', async () => {
      assert.throws(
        () => loadConfig({ LOCKOUT_METRICS_TOKEN: 'short' }),
        /LOCKOUT_METRICS_TOKEN: must be at least 16 characters/,
      );
      const token = loadConfig({ LOCKOUT_METRICS_TOKEN: 'metrics-token-0123456789' }).gateway.metricsToken;
      const guarded = buildGateway({ ...gatewayOptions(env.client), metricsToken: token });
      try {
        const scrape = (authorization?: string) =>
          guarded.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
        const anonymous = await scrape();
        assert.equal(anonymous.statusCode, 401);
        assert.match(String(anonymous.headers['www-authenticate']), /^Bearer /);
        assert.doesNotMatch(anonymous.body, /lockout_gateway_/);
        assert.equal((await scrape('Bearer not-the-metrics-token')).statusCode, 401);
        const scraped = await scrape('Bearer metrics-token-0123456789');
        assert.equal(scraped.statusCode, 200);
        assert.match(scraped.body, /lockout_gateway_requests_total/);
      } finally {
        await guarded.close();
      }
    });

    it('counts requests, rejections by reason, incidents opened and dedup hits at /metrics', async () => {
      const read = async () => (await fetch(`${base}/metrics`)).text();
      const before = await read();
      const body = JSON.stringify({ title: 'metrics check', fingerprint: 'metrics-1' });
      assert.equal((await post('/alerts/generic', body, signed(body))).status, 202);
      const again = signed(body, GENERIC_SECRET, Math.floor(Date.now() / 1000) + 1); // not a replay
      assert.equal((await post('/alerts/generic', body, again)).status, 202);
      assert.equal((await post('/alerts/generic', body, {})).status, 401);
      assert.equal((await post('/alerts/generic', '{', signed('{'))).status, 400);
      assert.equal((await post('/alerts/datadog', 'x', { 'content-type': 'text/plain' })).status, 415);
      assert.equal((await post('/alerts/datadog', 'x'.repeat(300 * 1024))).status, 413);
      const resolveNothing = JSON.stringify({
        routing_key: 'k',
        event_action: 'resolve',
        dedup_key: 'metrics-none',
      });
      assert.equal(
        (await post('/alerts/pagerduty', resolveNothing, bearer(TOKENS.LOCKOUT_PAGERDUTY_TOKEN))).status,
        202,
      );
      const after = await read();

      const delta = (name: string, labels: Record<string, string>) =>
        metricValue(after, name, labels) - metricValue(before, name, labels);
      assert.equal(delta('lockout_gateway_requests_total', { route: '/alerts/generic', status: '202' }), 2);
      assert.equal(delta('lockout_gateway_requests_total', { route: '/alerts/generic', status: '401' }), 1);
      assert.equal(
        delta('lockout_gateway_rejections_total', { source: 'generic', reason: 'unauthenticated' }),
        1,
      );
      assert.equal(
        delta('lockout_gateway_rejections_total', { source: 'generic', reason: 'invalid_json' }),
        1,
      );
      assert.equal(
        delta('lockout_gateway_rejections_total', { source: 'datadog', reason: 'unsupported_media_type' }),
        1,
      );
      assert.equal(
        delta('lockout_gateway_rejections_total', { source: 'datadog', reason: 'body_too_large' }),
        1,
      );
      assert.equal(delta('lockout_gateway_incidents_opened_total', { source: 'generic' }), 1);
      assert.equal(delta('lockout_gateway_dedup_hits_total', { source: 'generic' }), 1);
      assert.equal(delta('lockout_gateway_alerts_total', { source: 'generic', status: 'firing' }), 2);
      assert.equal(
        delta('lockout_gateway_not_running_total', { source: 'pagerduty', status: 'resolved' }),
        1,
      );
      assert.equal(delta('lockout_gateway_start_outcome_unknown_total', {}), 0);
      assert.match(after, /^# TYPE lockout_gateway_request_duration_seconds histogram$/m);
      assert.match(after, /^lockout_gateway_process_resident_memory_bytes \d+/m);
    });

    it('writes JSON logs with incident ids and never a token or an email address from a request', async () => {
      const email = 'ana.ortiz@example.com';
      const alert = JSON.stringify({
        title: 'Audit log export failing',
        fingerprint: 'logs-1',
        description: `Reported by ${email}`,
        labels: { reporter: email, contact: email },
      });
      assert.equal((await post('/alerts/generic', alert, signed(alert))).status, 202);
      const dd = JSON.stringify({ title: `Datadog alert for ${email}`, tags: `owner:${email}` });
      assert.equal((await post('/alerts/datadog', dd, bearer(TOKENS.LOCKOUT_DATADOG_TOKEN))).status, 202);
      // Refused requests carrying secrets and personal data are logged without them too.
      assert.equal(
        (await post('/alerts/datadog', dd, bearer(`${TOKENS.LOCKOUT_DATADOG_TOKEN}x`))).status,
        401,
      );
      const badField = JSON.stringify({ title: 'x', [email]: email });
      assert.equal((await post('/alerts/generic', badField, signed(badField))).status, 400);

      const records = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.ok(records.some((r) => r.incidentId === 'lockout-logs-1' && r.msg === 'alert recorded'));
      assert.ok(records.some((r) => r.msg === 'alert refused' && r.reason === 'unauthenticated'));
      assert.ok(records.every((r) => r.name === 'gateway' && typeof r.time === 'number'));
      const all = logLines.join('\n');
      assert.doesNotMatch(all, /ana\.ortiz|example\.com/);
      for (const secret of [...Object.values(TOKENS), GENERIC_SECRET])
        assert.ok(!all.includes(secret), 'a secret was logged');
      assert.doesNotMatch(all, /sha256=[0-9a-f]{64}/);
    });
  });
});
