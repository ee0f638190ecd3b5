/**
 * Every shipped runbook end to end with its real activities and real senders: a real worker with
 * the real activity catalog, email through a real SMTP server, SMS and calls through the `twilio`
 * client to the Twilio double, chat webhooks to a loopback endpoint, Salesforce through the real
 * jsforce session to the Salesforce double (its seeded org showing the pattern's fault), TLS
 * checks against a loopback TLS server with generated certificates, remediation hooks as HTTP
 * calls to a loopback automation endpoint or as a hook script. The incident is opened as an alert
 * would open it, responders acknowledge and approve, and the checks look from the outside: what
 * the SMTP server and the Twilio double received, what the Salesforce double recorded, the hooks
 * that ran, the journeys published, the clocks and the final state. Time passes on the
 * time-skipping server.
 *
 * The rehearsals in runbooks.test.ts go through the simulation (stubbed activities and senders);
 * these do not stub anything of the project.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createWorker } from '../temporal/encrypted';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { createActivities, type ActivityDeps } from '../activities';
import { heartbeatWhileRunning } from '../activities/heartbeat';
import { sendAction, type ActionInput, type ActionName } from '../client/actions';
import { loadDirectory } from '../comms/directory';
import type { GenericAlert } from '../domain/alert';
import type { IncidentStatus } from '../domain/incident';
import { DATA_REGIONS, regionalTaskQueue } from '../domain/regions';
import { WatchConfig } from '../expiry/watch-config';
import { HooksConfig, loadHooksConfig } from '../hooks/hooks-config';
import { createIncidentWorker } from '../workers/worker';
import { startTwilioDouble, type Fault, type TwilioDouble } from './doubles/twilio';
import { startWebhookDouble, type WebhookDouble } from './doubles/webhook';
import { createTestPki, type Issued, type TestPki } from './helpers/certs';
import { SHIPPED_DIRECTORY, testDeps } from './helpers/deps';
import { incidentStatus, sendAlert, terminateOpenIncidents } from './helpers/incidents';
import {
  seedOrg,
  shippedSalesforceDeps,
  startSalesforce,
  type SalesforceFixture,
  type SeededOrg,
} from './helpers/salesforce';
import type { SalesforceSession } from '../salesforce/session';
import { startTimeSkippingTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';

const ROOT = join(__dirname, '..');
const HOOK_SCRIPT = join(__dirname, 'helpers', 'hook-command.js');
const MIN = 60_000;
const directory = loadDirectory(SHIPPED_DIRECTORY);

// ---------------------------------------------------------------------------------------------
// The outside world: an SMTP server that can refuse recipients, a TLS endpoint that can be
// rotated, an automation endpoint for HTTP hooks.
// ---------------------------------------------------------------------------------------------

interface ReceivedMail {
  to: string[];
  subject: string;
  messageId: string;
  incident: string;
  step: string;
  attachments: string[];
}

/** A real SMTP server: refuses the listed recipients with 550 at RCPT TO, keeps the rest, parsed. */
async function startSmtpServer(refused: ReadonlySet<string>) {
  const received: ReceivedMail[] = [];
  const refusedAttempts: string[] = [];
  const parsing: Promise<unknown>[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Workers keep pooled connections open: closing waits this long for them, not 30 s.
    closeTimeout: 500,
    onRcptTo(address, _session, callback) {
      if (!refused.has(address.address)) return callback();
      refusedAttempts.push(address.address);
      const err = Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected`), {
        responseCode: 550,
      });
      return callback(err);
    },
    onData(stream, session, callback) {
      const to = session.envelope.rcptTo.map((r) => r.address);
      parsing.push(
        simpleParser(stream).then((mail) => {
          received.push({
            to,
            subject: mail.subject ?? '',
            messageId: mail.messageId ?? '',
            incident: String(mail.headers.get('x-lockout-incident') ?? ''),
            step: String(mail.headers.get('x-lockout-step') ?? ''),
            attachments: mail.attachments.map((a) => a.filename ?? ''),
          });
          callback();
        }, callback),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    refusedAttempts,
    async received(): Promise<ReceivedMail[]> {
      await Promise.allSettled(parsing);
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
type SmtpServer = Awaited<ReturnType<typeof startSmtpServer>>;

/** The integration endpoint on port 443 of a loopback address of its own, chain swappable. */
async function startEndpoint(pki: TestPki) {
  const host = `127.${randomInt(1, 250)}.${randomInt(1, 250)}.${randomInt(2, 250)}`;
  const leaf: Issued = pki.leaf({ dnsNames: ['integration.shop.test'], ipAddresses: [host] });
  // The fault: the server does not send its intermediate certificate.
  const server: TlsServer = createTlsServer({ key: leaf.keyPem, cert: leaf.certPem }, (socket) => {
    socket.on('error', () => undefined);
    socket.end('hello\n');
  });
  server.on('tlsClientError', () => undefined);
  // The shipped runbook checks port 443 of the endpoint named in the alert, so the test serves there.
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EACCES'
          ? new Error(
              `cannot listen on ${host}:443 (${err.code}): run as root, give node CAP_NET_BIND_SERVICE, ` +
                'or set net.ipv4.ip_unprivileged_port_start=443',
            )
          : err,
      ),
    );
    server.listen(443, host, resolve);
  });
  const caFile = join(mkdtempSync(join(tmpdir(), 'lockout-e2e-ca-')), 'root.pem');
  writeFileSync(caFile, pki.root.certPem);
  return {
    host,
    caFile,
    /** What the PKI automation does when asked: serve the full chain. */
    rotate: () =>
      server.setSecureContext({ key: leaf.keyPem, cert: `${leaf.certPem}\n${pki.intermediate.certPem}` }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface HookCall {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** The automation behind the HTTP hooks: records each call, answers 202 or a scripted status. */
async function startAutomation(onCall: (call: HookCall) => number = () => 202) {
  const calls: HookCall[] = [];
  const server = createHttpServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      const call = { path: req.url ?? '/', headers: req.headers, body: JSON.parse(raw || '{}') };
      calls.push(call);
      const status = onCall(call);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accepted: status < 300 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
type Automation = Awaited<ReturnType<typeof startAutomation>>;

/**
 * The shipped hooks (config/hooks.yaml), their URLs pointed at the loopback automation; the EU
 * sync reroute as a hook script instead (a command hook), which touches `marker`.
 */
function hooksFor(automation: Automation, marker: string): HooksConfig {
  const shipped = loadHooksConfig(join(ROOT, 'config', 'hooks.yaml'));
  const hooks: HooksConfig['hooks'] = {};
  for (const [name, hook] of Object.entries(shipped.hooks)) {
    hooks[name] =
      hook.kind === 'http' ? { ...hook, url: `${automation.url}${new URL(hook.url).pathname}` } : hook;
  }
  hooks['reroute-eu-sync'] = {
    description: 'Route EU customer-data sync through the EU-resident path (hook script)',
    kind: 'command',
    argv: [process.execPath, HOOK_SCRIPT, 'touch', marker],
    env: {},
    params: {},
    timeout: '30s',
  };
  return HooksConfig.parse({ hooks });
}

const PIPELINE_RESTART = '/api/pipelines/salesforce-audit/restart';

const SECRETS = {
  PKI_TOKEN: 'pki-e2e-token',
  SIEM_TOKEN: 'siem-e2e-token',
  INTEGRATION_TOKEN: 'int-e2e-token',
};

// ---------------------------------------------------------------------------------------------
// One incident, start to finish.
// ---------------------------------------------------------------------------------------------

interface World {
  taskQueue: string;
  smtp: SmtpServer;
  twilio: TwilioDouble;
  chat: WebhookDouble;
  sf: SalesforceFixture;
  org: SeededOrg;
  automation: Automation;
  /** The worker's Salesforce session (the one the activities use). */
  session: SalesforceSession;
  endpoint?: Awaited<ReturnType<typeof startEndpoint>>;
  journeysFile: string;
  hookMarker: string;
}

interface Plan {
  alert: Omit<GenericAlert, 'fingerprint'>;
  /** Minutes after the alert; absent: nobody acknowledges. */
  ackAt?: number;
  /** A responder declares containment (runbooks whose steps cannot tell). */
  containAt?: number;
  /** Legal records the supervisory-authority notification. */
  gdprMetAt?: number;
  resolveAt: number;
  /** Approvers answer whatever is pending at each look (every 5 minutes). */
  approve?: boolean;
}

interface Outcome {
  incidentId: string;
  /** The workflow completed (resolved, nothing legal left open) by the end of the plan. */
  closed: boolean;
  status: IncidentStatus;
  mail: ReceivedMail[];
}

/** Waits (real time) until no activity of the incident is running or about to: only backoffs left. */
async function settle(env: TestWorkflowEnvironment, incidentId: string): Promise<void> {
  const handle = env.client.workflow.getHandle(incidentId);
  for (let i = 0; i < 600; i++) {
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') return;
    const busy = (d.raw.pendingActivities ?? []).filter((a) => (a.attempt ?? 1) <= 1 || !a.lastFailure);
    if (busy.length === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`activities of ${incidentId} still running after 30 s`);
}

async function act<N extends ActionName>(
  env: TestWorkflowEnvironment,
  incidentId: string,
  name: N,
  input: ActionInput<N>,
) {
  return sendAction(env.client, incidentId, name, input, { answerWithinMs: 60_000 });
}

/** A responder action the incident must take (acknowledge, contain, clock met, resolve). */
async function actAccepted<N extends ActionName>(
  env: TestWorkflowEnvironment,
  incidentId: string,
  name: N,
  input: ActionInput<N>,
): Promise<void> {
  const outcome = await act(env, incidentId, name, input);
  assert.equal(outcome.outcome, 'accepted', `${name}: ${outcome.message}`);
}

/** The acknowledger, who under the two-person rule may not approve. */
const ACKER = 'ana';
const TICK_MIN = 5;

async function runIncident(env: TestWorkflowEnvironment, w: World, plan: Plan): Promise<Outcome> {
  const { incidentId } = await sendAlert(env.client, w.taskQueue, {
    ...plan.alert,
    fingerprint: `e2e-${w.taskQueue}`,
  });
  const handle = env.client.workflow.getHandle(incidentId);
  const done = new Set<string>();
  const due = (what: string, at: number | undefined, t: number) =>
    at !== undefined && t >= at && !done.has(what) && done.add(what);
  for (let t = 0; t <= plan.resolveAt + 60; t += TICK_MIN) {
    await settle(env, incidentId);
    if ((await handle.describe()).status.name !== 'RUNNING') break;
    if (due('ack', plan.ackAt, t)) await actAccepted(env, incidentId, 'acknowledge', { by: ACKER });
    if (plan.approve ?? true) {
      const status = await incidentStatus(env.client, incidentId);
      for (const a of status.approvals.filter((x) => x.state === 'pending')) {
        for (const by of a.eligible.filter((p) => p !== ACKER)) {
          const outcome = await act(env, incidentId, 'approve', { step: a.step, by });
          if (outcome.outcome !== 'accepted') continue;
          const now = await incidentStatus(env.client, incidentId);
          if (now.approvals.find((x) => x.step === a.step)?.state !== 'pending') break;
        }
      }
    }
    if (due('contain', plan.containAt, t))
      await actAccepted(env, incidentId, 'setPhase', { phase: 'contained', by: ACKER });
    if (due('gdpr', plan.gdprMetAt, t))
      await actAccepted(env, incidentId, 'clockMet', { clock: 'gdpr-art33', by: 'kemi', note: 'filed' });
    if (due('resolve', plan.resolveAt, t))
      await actAccepted(env, incidentId, 'resolve', { by: ACKER, reason: 'integration works again' });
    // The shipped runbooks keep the resolved incident open for its review: the commander records it.
    if ((await incidentStatus(env.client, incidentId)).review?.state === 'open')
      await actAccepted(env, incidentId, 'recordReview', { by: 'dev', summary: 'what we learned' });
    await settle(env, incidentId);
    await env.sleep(TICK_MIN * MIN);
  }
  await settle(env, incidentId);
  const running = (await handle.describe()).status.name === 'RUNNING';
  const status = running
    ? await incidentStatus(env.client, incidentId)
    : ((await handle.result()) as IncidentStatus);
  const mail = (await w.smtp.received()).filter((m) => m.incident === incidentId);
  return { incidentId, closed: !running, status, mail };
}

// ---------------------------------------------------------------------------------------------
// What every incident must show from the outside.
// ---------------------------------------------------------------------------------------------

const step = (s: IncidentStatus, id: string) => {
  const found = s.steps.filter((x) => x.id === id).at(-1);
  assert.ok(found, `step ${id} ran (steps: ${s.steps.map((x) => x.id).join(', ')})`);
  return found;
};

/**
 * Each delivery the incident recorded as delivered is exactly one message at the provider, to the
 * recipient's address, and nothing arrived that the incident does not know of: nothing lost,
 * nothing sent twice.
 */
function assertDeliveredExactlyOnce(o: Outcome, w: World): void {
  const { deliveries } = o.status;
  const keys = deliveries
    .filter((d) => d.outcome === 'delivered')
    .map((d) => `${d.step} ${d.recipient} ${d.channel}`);
  assert.deepEqual(
    keys.filter((k, i) => keys.indexOf(k) !== i),
    [],
    'no recipient was reached twice on a channel for one step',
  );
  assert.equal(deliveries.filter((d) => d.outcome === 'outboxed').length, 0, 'every channel is configured');

  const emails = deliveries.filter((d) => d.channel === 'email' && d.outcome === 'delivered');
  assert.ok(emails.length > 0 && o.mail.length > 0, 'emails went out');
  for (const d of emails) {
    const got = o.mail.filter((m) => m.messageId === d.messageId);
    assert.equal(got.length, 1, `one email for ${d.step} → ${d.recipient}, got ${got.length}`);
    const person = directory.people[d.recipient];
    const address = person?.email ?? d.recipient;
    assert.deepEqual(got[0]!.to, [address], `${d.step} → ${d.recipient}`);
    assert.equal(got[0]!.step, d.step);
  }
  // Procurement letters are sent by an activity, not a notify step: they have their own check.
  const notifications = o.mail.filter((m) => m.step !== 'procurement-pack');
  assert.deepEqual(
    notifications.map((m) => m.messageId).filter((id) => !emails.some((d) => d.messageId === id)),
    [],
    'the SMTP server received nothing the incident does not account for',
  );

  const sms = deliveries.filter((d) => d.channel === 'sms' && d.outcome === 'delivered');
  const texts = w.twilio.messages;
  assert.equal(texts.length, sms.length, 'the Twilio double accepted exactly the SMS the incident recorded');
  for (const d of sms) {
    const got = texts.filter((m) => m.sid === d.messageId);
    assert.equal(got.length, 1, `one SMS for ${d.step} → ${d.recipient}`);
    assert.equal(got[0]!.to, directory.people[d.recipient]?.phone);
    assert.equal(got[0]!.from, '+15555550100');
  }
  const voice = deliveries.filter((d) => d.channel === 'voice' && d.outcome === 'delivered');
  assert.equal(w.twilio.calls.length, voice.length, 'the Twilio double placed exactly the calls recorded');
  for (const d of voice) {
    const got = w.twilio.calls.filter((c) => c.sid === d.messageId);
    assert.equal(got.length, 1, `one call for ${d.step} → ${d.recipient}`);
    assert.equal(got[0]!.to, directory.people[d.recipient]?.phone);
  }
  const posts = deliveries.filter((d) => d.channel === 'webhook' && d.outcome === 'delivered');
  assert.ok(posts.length > 0, 'the ops chat was told');
  assert.equal(w.chat.posts.length, posts.length, 'the chat webhook got exactly the posts recorded');
}

function assertClocksMet(s: IncidentStatus): void {
  const notMet = s.clocks.filter((c) => c.state !== 'met' && c.state !== 'not-applicable');
  assert.deepEqual(
    notMet.map((c) => `${c.id}: ${c.state}`),
    [],
  );
}

function assertNoEscalation(s: IncidentStatus): void {
  assert.equal(
    s.escalationLevel,
    0,
    s.timeline
      .filter((e) => e.kind === 'escalation')
      .map((e) => e.summary)
      .join('\n'),
  );
}

/**
 * Every activity step ran with the real activity: the diagnostics that find the pattern's fault
 * (`findings`) report it (ok: false), every other step reports success.
 */
function assertActivities(s: IncidentStatus, findings: string[]): void {
  const activities = s.steps.filter((x) => x.kind === 'activity');
  const wrong = activities.filter((x) => x.state !== 'done' || x.result?.ok !== !findings.includes(x.id));
  assert.deepEqual(
    wrong.map((x) => `${x.id}: ${x.state} ok=${x.result?.ok} ${x.result?.summary}`),
    [],
  );
  for (const id of findings) step(s, id);
  assert.ok(!activities.some((x) => /simulated/.test(x.result?.summary ?? '')), 'nothing simulated');
}

/** Resolved without escalation, clocks met, approvals given, every delivery made once. */
function assertHappyEnd(o: Outcome, w: World, findings: string[] = []): void {
  assert.equal(o.status.phase, 'resolved');
  assert.ok(o.closed, 'the incident closed after its resolution and its review');
  assert.equal(o.status.review?.state, 'recorded', 'the post-incident review was recorded');
  assert.ok(
    o.mail.some((m) => m.step === 'review' && m.subject.startsWith('[REVIEW DUE')),
    'the incident commander got the post-incident review with its due date',
  );
  assertNoEscalation(o.status);
  assertClocksMet(o.status);
  assertActivities(o.status, findings);
  for (const a of o.status.approvals) assert.equal(a.state, 'approved', a.step);
  assert.deepEqual(
    o.status.deliveries
      .filter((d) => d.outcome === 'failed')
      .map((d) => `${d.step} ${d.recipient} ${d.detail}`),
    [],
  );
  assert.equal(step(o.status, 'closing-report').state, 'done');
  assert.ok(
    o.mail.some((m) => m.step === 'closing-report' && /compliance status report/i.test(m.subject)),
    'the closing compliance report reached the SMTP server',
  );
  assertDeliveredExactlyOnce(o, w);
}

/** The task queue each activity step was scheduled on, from the incident's history. */
async function activityQueues(
  env: TestWorkflowEnvironment,
  incidentId: string,
): Promise<Record<string, string>> {
  const history = await env.client.workflow.getHandle(incidentId).fetchHistory();
  const queues: Record<string, string> = {};
  for (const e of history.events ?? []) {
    const a = e.activityTaskScheduledEventAttributes;
    if (a?.activityType?.name) queues[a.activityType.name] = a.taskQueue?.name ?? '';
  }
  return queues;
}

function journeys(w: World): Record<string, { mode: string }> {
  if (!existsSync(w.journeysFile)) return {};
  const doc = JSON.parse(readFileSync(w.journeysFile, 'utf8')) as {
    journeys?: Record<string, { mode: string }>;
  };
  return doc.journeys ?? {};
}

const hookCalls = (w: World, path: string) => w.automation.calls.filter((c) => c.path === path);

// ---------------------------------------------------------------------------------------------

describe('shipped runbooks end to end: real activities and senders against the loopback doubles (time-skipping server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let pki: TestPki;
  const closers: (() => Promise<void>)[] = [];

  before(async () => {
    pki = createTestPki();
    env = await startTimeSkippingTemporal();
    await workflowBundle();
  });
  after(async () => {
    await env?.teardown();
  });
  afterEach(async () => {
    await Promise.allSettled(closers.splice(0).map((close) => close()));
  });

  interface Setup {
    refusedEmail?: string[];
    unsubscribed?: string[];
    /** Twilio answers this to every message for the number. */
    twilioFaults?: Record<string, Fault>;
    endpoint?: boolean;
    onHook?: (call: HookCall) => number;
  }

  /** Fresh doubles and a real worker (main queue and both regional queues) for one incident. */
  async function withWorld(setup: Setup, body: (w: World) => Promise<void>): Promise<void> {
    const [smtp, twilio, chat, sf] = await Promise.all([
      startSmtpServer(new Set(setup.refusedEmail ?? [])),
      startTwilioDouble(),
      startWebhookDouble(),
      startSalesforce(),
    ]);
    closers.push(smtp.close, twilio.close, chat.close, () => sf.double.close());
    for (const n of setup.unsubscribed ?? []) twilio.unsubscribed.add(n);
    for (const [n, fault] of Object.entries(setup.twilioFaults ?? {})) twilio.faultFor(n, fault);
    const org = seedOrg(sf.double, sf.integrationUserId);
    const endpoint = setup.endpoint ? await startEndpoint(pki) : undefined;
    if (endpoint) closers.push(endpoint.close);
    const automation = await startAutomation((call) => {
      const status = setup.onHook?.(call) ?? 202;
      if (status >= 300) return status;
      // What the automation does when asked: the PKI serves the full chain; the restarted
      // audit pipeline lifts the automatic control that blocked the integration user.
      if (call.path === '/api/rotations') endpoint?.rotate();
      if (call.path === PIPELINE_RESTART) sf.double.unblock();
      return status;
    });
    closers.push(automation.close);
    const dataDir = mkdtempSync(join(tmpdir(), 'lockout-e2e-'));
    const session = sf.session('jwt-bearer');
    const w: World = {
      session,
      taskQueue: uniqueTaskQueue('e2e'),
      smtp,
      twilio,
      chat,
      sf,
      org,
      automation,
      endpoint,
      journeysFile: join(dataDir, 'journeys.json'),
      hookMarker: join(dataDir, 'eu-sync-rerouted'),
    };
    const hooks = hooksFor(automation, w.hookMarker);
    const watch = WatchConfig.parse({ tls: { caFile: endpoint?.caFile } });
    const deps: ActivityDeps = testDeps(smtp.url, {
      client: env.client,
      dataDir,
      twilio: {
        accountSid: twilio.accountSid,
        auth: { authToken: twilio.authToken },
        from: '+15555550100',
        apiUrl: twilio.url,
        ca: twilio.ca,
      },
      secrets: {
        SLACK_OPS_WEBHOOK_URL: `${chat.url}/ops`,
        TEAMS_LEADERSHIP_WEBHOOK_URL: `${chat.url}/leadership`,
        SLACK_LUCAS_WEBHOOK_URL: `${chat.url}/lucas`,
      },
      salesforce: shippedSalesforceDeps(session),
      continuity: {
        watchConfig: () => watch,
        hooks: () => hooks,
        allowedCommands: [process.execPath],
        secrets: SECRETS,
        journeysFile: w.journeysFile,
      },
    });
    const worker = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue: w.taskQueue,
      deps,
      workflowBundle: await workflowBundle(),
    });
    // Customer-data activities run on their region's queue: serve those with the same activities.
    const regional = await Promise.all(
      DATA_REGIONS.map((region) =>
        createWorker({
          connection: env.nativeConnection,
          namespace: env.namespace ?? 'default',
          taskQueue: regionalTaskQueue(w.taskQueue, region),
          interceptors: { activity: [heartbeatWhileRunning] },
          activities: createActivities(deps),
        }),
      ),
    );
    const regionalRunning = regional.map((r) => r.run());
    try {
      await worker.runUntil(async () => {
        try {
          await body(w);
        } finally {
          await terminateOpenIncidents(env.client, w.taskQueue);
        }
      });
    } finally {
      for (const r of regional) r.shutdown();
      await Promise.all(regionalRunning);
    }
  }

  const PROMPT = { ackAt: 0, resolveAt: 90 } as const;

  it('generic-lockout: connectivity and limits checked at Salesforce, every audience told once, contained by a responder', async () => {
    await withWorld({}, async (w) => {
      const o = await runIncident(env, w, {
        ...PROMPT,
        alert: { title: 'Salesforce sync failing', pattern: 'unclassified', region: 'global' },
        containAt: 30,
      });
      assert.equal(o.status.runbook.id, 'generic-lockout');
      assertHappyEnd(o, w);
      // Who got what, read at the SMTP server, the Twilio double and the chat endpoint, against the
      // shipped directory's audiences as written (config/directory.yaml), not as the code resolves them.
      const byStep: Record<string, string[]> = {};
      for (const m of o.mail) (byStep[m.step] ??= []).push(...m.to);
      for (const list of Object.values(byStep)) list.sort();
      const at = (...names: string[]) => names.map((n) => `${n}@example.com`).sort();
      const reports = at('chloe.martin', 'dev.patel', 'hiro.tanaka', 'isabel.duarte');
      const updates = at('chloe.martin', 'hiro.tanaka', 'isabel.duarte');
      assert.deepEqual(byStep, {
        review: at('dev.patel'),
        'notify-stakeholders': at(
          'ben.okafor',
          'hiro.tanaka',
          'isabel.duarte',
          'lucas.moreau',
          'mia.svensson',
        ),
        'status-updates': updates,
        'status-updates-1': updates, // the hourly update, once more before the resolution at 90 min
        'compliance-report': reports,
        'closing-report': reports,
        resolution: at('ana.ortiz', 'ben.okafor', 'chloe.martin', 'hiro.tanaka', 'isabel.duarte'),
      });
      assert.deepEqual(
        w.twilio.messages.map((m) => m.to),
        ['+4915100000001'],
        'the ops alert to Ana by SMS, nothing else by SMS',
      );
      const posts = (path: string) => w.chat.posts.filter((p) => p.path === path).length;
      assert.equal(posts('/ops'), 2, 'the ops room: the alert and the resolution');
      assert.equal(posts('/leadership'), 6, 'leadership: stakeholders, two updates, two reports, resolution');
      assert.match(step(o.status, 'check-connectivity').result!.summary, /62\.0/);
      assert.match(step(o.status, 'api-limits').result!.summary, /daily API requests: \d+ of \d+ remaining/);
      assert.ok(w.sf.double.requests.some((r) => /\/limits$/.test(r.path) && r.status === 200));
    });
  });

  it('acl-misconfiguration: finds Order_Sync missing, restores it after two approvals, verifies, contained by the runbook', async () => {
    await withWorld({}, async (w) => {
      const o = await runIncident(env, w, {
        ...PROMPT,
        alert: { title: 'Order sync denied: INSUFFICIENT_ACCESS', pattern: 'acl-misconfiguration' },
      });
      const compare = o.status.steps.filter((x) => x.id === 'compare-permissions');
      assert.equal(compare[0]!.result?.ok, false, 'the drift is found');
      assert.deepEqual(compare[0]!.result?.data?.missingPermissionSets, ['Order_Sync']);
      assert.match(step(o.status, 'audit-trail').result!.summary, /Manage Users/);
      assert.equal(step(o.status, 'verify-permissions').result?.ok, true);
      assert.equal(step(o.status, 'contained').state, 'done', 'the runbook itself declared containment');
      const approval = o.status.approvals.find((a) => a.step === 'approve-restore-permissions')!;
      assert.equal(approval.state, 'approved');
      assert.equal(approval.decisions.filter((d) => d.decision === 'approve').length, 2);
      // At Salesforce: exactly one new assignment of Order_Sync to the integration user.
      const assignments = w.sf.double
        .all('PermissionSetAssignment')
        .filter((a) => a.PermissionSetId === w.org.permissionSets.Order_Sync);
      assert.deepEqual(
        assignments.map((a) => a.AssigneeId),
        [w.sf.integrationUserId],
      );
      assert.equal(compare.length, 1, 'compare-permissions ran once');
      assertHappyEnd(o, w, ['compare-permissions', 'audit-trail']);
    });
  });

  it('audit-log-failure: compliance told at once, the blocked integration seen, the pipeline restarted, the block lifted, evidence secured', async () => {
    await withWorld({}, async (w) => {
      w.sf.double.lockOut(); // the automatic control: sessions revoked, new tokens refused
      const o = await runIncident(env, w, {
        ...PROMPT,
        alert: { title: 'Audit log shipping stopped; integration blocked', pattern: 'audit-log-failure' },
      });
      // Blocked at first (a finding), then the Setup Audit Trail with its security-relevant change.
      assertHappyEnd(o, w, ['audit-trail', 'audit-trail-after']);
      assert.match(step(o.status, 'audit-trail').result!.summary, /Salesforce refused access/);
      const restarts = hookCalls(w, PIPELINE_RESTART);
      assert.equal(restarts.length, 1, 'the pipeline was restarted once');
      assert.equal(restarts[0]!.headers.authorization, `Bearer ${SECRETS.SIEM_TOKEN}`);
      assert.equal(restarts[0]!.body.incident, o.incidentId);
      assert.match(step(o.status, 'restart-pipeline').result!.summary, /done, HTTP 202/);
      assert.equal(step(o.status, 'verify-connectivity').result?.ok, true);
      assert.match(
        step(o.status, 'audit-trail-after').result!.summary,
        /1 security-relevant \(Manage Users\)/,
      );
      // Chloé (compliance) by SMS, told at once; the compliance on-call too.
      const brief = o.status.deliveries.filter((d) => d.step === 'brief-compliance');
      assert.ok(
        brief.some((d) => d.recipient === 'chloe' && d.channel === 'sms' && d.outcome === 'delivered'),
      );
    });
  });

  it('certificate-chain: the TLS check finds the missing intermediate, checkout falls back, the PKI rotates, the chain verifies, checkout returns', async () => {
    await withWorld({ endpoint: true }, async (w) => {
      const host = w.endpoint!.host;
      const o = await runIncident(env, w, {
        ...PROMPT,
        alert: {
          title: `Certificate chain of ${host} does not validate`,
          pattern: 'certificate-chain',
          labels: { endpoint: host },
        },
      });
      const diagnosis = step(o.status, 'diagnose-chain').result!;
      assert.equal(diagnosis.ok, false);
      assert.match(diagnosis.summary, /UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
      assert.match(step(o.status, 'verify-chain').result!.summary, /chain valid/);
      const rotations = hookCalls(w, '/api/rotations');
      assert.equal(rotations.length, 1, 'the PKI was asked once');
      assert.equal(rotations[0]!.headers.authorization, `Bearer ${SECRETS.PKI_TOKEN}`);
      assert.equal(rotations[0]!.body.endpoint, host);
      assert.equal(rotations[0]!.body.incident, o.incidentId);
      assert.match(String(rotations[0]!.body.idempotencyKey), /^[0-9a-f]{32}$/);
      assert.equal(journeys(w)['checkout-validation']?.mode, 'normal');
      assert.ok(o.status.timeline.some((e) => /checkout-fallback: .*fallback/.test(e.summary)));
      assertHappyEnd(o, w, ['diagnose-chain']);
    });
  });

  it('data-residency: EU key accounts read on the EU queue, account management falls back, the EU sync rerouted, GDPR notification recorded', async () => {
    await withWorld({}, async (w) => {
      const o = await runIncident(env, w, {
        ...PROMPT,
        alert: {
          title: 'EU customer data not flowing to Salesforce',
          pattern: 'data-residency',
          region: 'eu',
          euPersonalData: true,
        },
        gdprMetAt: 60,
      });
      assertHappyEnd(o, w);
      assert.match(step(o.status, 'affected-accounts').result!.summary, /^2 key account\(s\)/);
      const queues = await activityQueues(env, o.incidentId);
      assert.equal(
        queues.findKeyAccounts,
        regionalTaskQueue(w.taskQueue, 'eu'),
        'customer data read in the EU',
      );
      assert.equal(queues.checkSalesforceConnectivity, w.taskQueue);
      assert.ok(existsSync(w.hookMarker), 'the reroute hook script ran');
      assert.match(step(o.status, 'reroute-eu-sync').result!.summary, /done, exit 0/);
      assert.equal(journeys(w)['account-management']?.mode, 'normal');
      assert.ok(o.status.deliveries.some((d) => d.step === 'brief-legal' && d.outcome === 'delivered'));
      assert.equal(o.status.clocks.find((c) => c.id === 'gdpr-art33')?.state, 'met');
    });
  });

  it('token-expiry: the revoked session is noticed, a new token issued after two approvals, auth verified', async () => {
    await withWorld({}, async (w) => {
      await w.session.connection(); // the worker's token, issued before the incident…
      w.sf.double.expireSessions(); // …no longer works
      const grantsBefore = w.sf.double.tokenGrants.length;
      const o = await runIncident(env, w, {
        ...PROMPT,
        alert: { title: 'Salesforce token expired: INVALID_SESSION_ID', pattern: 'token-expiry' },
      });
      assertHappyEnd(o, w);
      assert.match(
        step(o.status, 'auth-health').result!.summary,
        /had expired and was refreshed automatically/,
      );
      assert.match(step(o.status, 'refresh-token').result!.summary, /^new access token issued/);
      assert.match(step(o.status, 'verify-auth').result!.summary, /^token valid/);
      assert.ok(w.sf.double.tokenGrants.length > grantsBefore, 'Salesforce issued new tokens');
    });
  });

  it('vendor-assessment: Cases on the key accounts, and after approval the pack to each procurement contact once', async () => {
    await withWorld({}, async (w) => {
      const o = await runIncident(env, w, {
        ...PROMPT,
        alert: {
          title: 'Globex procurement threatens to block us as a vendor',
          pattern: 'vendor-assessment',
        },
      });
      assertHappyEnd(o, w);
      assert.deepEqual(
        w.sf.double
          .all('Case')
          .map((c) => c.AccountId)
          .sort(),
        [w.org.accounts.globex, w.org.accounts.initech].sort(),
      );
      const letters = o.mail.filter((m) => m.step === 'procurement-pack');
      assert.deepEqual(letters.map((m) => m.to.join()).sort(), [
        'greta.buyer@globex.example',
        'ivy@initech.example',
      ]);
      for (const l of letters) assert.ok(l.attachments.length > 0, 'the pack is attached');
    });
  });

  it('token-expiry with nobody responding: every escalation level and round reaches its people once, the last by voice call; the unapproved refresh never runs', async () => {
    await withWorld({}, async (w) => {
      w.sf.double.lockOut(); // new tokens refused: only the refresh could help, and nobody approves it
      const o = await runIncident(env, w, {
        alert: { title: 'Salesforce token refused: invalid_grant', pattern: 'token-expiry' },
        approve: false,
        resolveAt: 240,
      });
      const escalations = o.status.timeline.filter((e) => e.kind === 'escalation');
      assert.deepEqual(
        escalations.map((e) => /escalating to level (\d)/.exec(e.summary)?.[1]),
        ['1', '2', '3', '3'],
        'levels 1 and 2 once, level 3 in two rounds',
      );
      const steps = ['escalation-1', 'escalation-2', 'escalation-3', 'escalation-3-2'];
      for (const id of steps) {
        const reached = o.status.deliveries.filter((d) => d.step === id && d.outcome === 'delivered');
        assert.ok(reached.length >= 2, `${id}: ${reached.map((d) => d.recipient).join()}`);
      }
      // Level 3 (incident commander and executives) leads with a voice call.
      const calls = o.status.deliveries.filter((d) => d.channel === 'voice' && d.outcome === 'delivered');
      assert.deepEqual([...new Set(calls.map((d) => d.step))].sort(), ['escalation-3', 'escalation-3-2']);
      assert.ok(calls.some((d) => d.recipient === 'dev') && calls.some((d) => d.recipient === 'hiro'));
      assert.ok(w.twilio.calls.some((c) => c.to === directory.people.hiro!.phone));
      // The approval timed out at both levels; the risky refresh was skipped, never run.
      assert.notEqual(o.status.approvals.find((a) => a.step === 'approve-token-refresh')?.state, 'approved');
      assert.equal(step(o.status, 'refresh-token').state, 'skipped');
      assert.equal(step(o.status, 'auth-health').result?.ok, false);
      assert.match(step(o.status, 'auth-health').result!.summary, /Salesforce refused access/);
      assert.ok(!o.status.steps.some((x) => x.id === 'contained'), 'never contained');
      assert.equal(o.status.clocks.find((c) => c.id === 'ops-alert')?.state, 'met');
      assertDeliveredExactlyOnce(o, w);
    });
  });

  describe('failures: recorded as failed, fallen back or escalated, never reported as done', () => {
    const ANA = '+4915100000001';
    const CHLOE = '+4915100000003';
    const ISABEL = 'isabel.duarte@example.com';

    it('a channel failing: Twilio 5xx for Ana falls back to email after the retries, 21610 for Chloé at once, the SMTP server refusing Isabel is recorded failed', async () => {
      await withWorld(
        {
          twilioFaults: { [ANA]: { status: 500, code: 20500, message: 'Internal Server Error' } },
          unsubscribed: [CHLOE],
          refusedEmail: [ISABEL],
        },
        async (w) => {
          const o = await runIncident(env, w, {
            ...PROMPT,
            alert: { title: 'Audit log shipping stopped; integration blocked', pattern: 'audit-log-failure' },
          });
          const d = (stepId: string, who: string, channel: string) =>
            o.status.deliveries.filter(
              (x) => x.step === stepId && x.recipient === who && x.channel === channel,
            );

          // Ana: Twilio kept answering 500; retried, then given up, then email.
          assert.equal(d('notify-ops', 'ana', 'sms')[0]?.outcome, 'failed');
          assert.match(d('notify-ops', 'ana', 'sms')[0]!.detail!, /500/);
          assert.equal(d('notify-ops', 'ana', 'email')[0]?.outcome, 'delivered');
          const tries = w.twilio.requests.filter((r) => r.form.To === ANA).length;
          assert.ok(tries > 1, `the 500 was retried (${tries} requests)`);
          assert.ok(!w.twilio.messages.some((m) => m.to === ANA), 'no SMS reached Ana');

          // Chloé replied STOP: 21610, not retried, email instead.
          assert.match(d('brief-compliance', 'chloe', 'sms')[0]!.detail!, /21610/);
          assert.equal(d('brief-compliance', 'chloe', 'email')[0]?.outcome, 'delivered');
          assert.equal(
            w.twilio.requests.filter((r) => r.form.To === CHLOE).length,
            o.status.deliveries.filter((x) => x.recipient === 'chloe' && x.channel === 'sms').length,
            'one request per SMS attempt to an unsubscribed number',
          );

          // Isabel: the SMTP server refused her every time, she has no other channel: failed, said so.
          const isabel = o.status.deliveries.filter((x) => x.recipient === 'isabel');
          assert.ok(isabel.length >= 3, isabel.map((x) => x.step).join());
          for (const x of isabel) {
            assert.equal(x.outcome, 'failed', `${x.step} ${x.channel}`);
          }
          const refusedEmails = isabel.filter((x) => x.channel === 'email');
          assert.ok(
            refusedEmails.every((x) => /550/.test(x.detail ?? '')),
            refusedEmails[0]?.detail,
          );
          assert.equal(
            w.smtp.refusedAttempts.length,
            refusedEmails.length,
            'one SMTP attempt each, not retried',
          );
          assert.ok(!o.mail.some((m) => m.to.includes(ISABEL)));

          // The stakeholder notification did not reach everyone, so its clock is not met; the
          // incident went on: resolved, the other clocks met, everything else delivered once.
          // Only its own deliveries count: Chloé's failed SMS in the parallel compliance brief does not.
          assert.deepEqual(step(o.status, 'notify-stakeholders').result!.data?.unreached, ['isabel']);
          assert.deepEqual(
            o.status.clocks
              .filter((c) => c.state !== 'met' && c.state !== 'not-applicable')
              .map((c) => `${c.id}: ${c.state}`),
            ['stakeholders: missed'],
          );
          assert.equal(o.status.phase, 'resolved');
          assertNoEscalation(o.status);
          assertDeliveredExactlyOnce(o, w);
        },
      );
    });

    /** Approved, the restore refused by Salesforce: failed step, still drifting, escalated, not contained. */
    async function restoreRefused(w: World, refusal: RegExp): Promise<Outcome> {
      const o = await runIncident(env, w, {
        ackAt: 0,
        resolveAt: 90,
        alert: { title: 'Order sync denied: INSUFFICIENT_ACCESS', pattern: 'acl-misconfiguration' },
      });
      const restore = step(o.status, 'restore-permissions');
      assert.equal(restore.state, 'failed');
      assert.match(restore.result!.summary, refusal);
      assert.equal(step(o.status, 'verify-permissions').result?.ok, false, 'the drift is still there');
      assert.ok(!o.status.steps.some((x) => x.id === 'contained'), 'never declared contained');
      assert.ok(!o.status.timeline.some((e) => e.kind === 'phase' && /contained|recovered/.test(e.summary)));
      assert.equal(
        w.sf.double
          .all('PermissionSetAssignment')
          .filter((a) => a.PermissionSetId === w.org.permissionSets.Order_Sync).length,
        0,
        'nothing was assigned at Salesforce',
      );
      // Acknowledged at once, yet the failure asked the next level: engineering and compliance on call.
      assert.ok(
        o.status.timeline.some((e) => e.kind === 'attention' && /restore-permissions failed/.test(e.summary)),
      );
      assert.equal(o.status.escalationLevel, 1);
      const level1 = o.status.deliveries.filter(
        (d) => d.step === 'escalation-1' && d.outcome === 'delivered',
      );
      assert.ok(level1.length >= 2, level1.map((d) => d.recipient).join());
      // The compliance report does not claim containment: the runbook never reached it.
      assert.ok(!o.status.steps.some((x) => x.id === 'closing-report'), 'no closing report while drifting');
      assertDeliveredExactlyOnce(o, w);
      return o;
    }

    it('a remediation refused at Salesforce (INSUFFICIENT_ACCESS_OR_READONLY): failed without retries, escalated', async () => {
      await withWorld({}, async (w) => {
        w.sf.double.revokeAccess('PermissionSetAssignment', 'create');
        await restoreRefused(w, /INSUFFICIENT_ACCESS_OR_READONLY/);
        const creates = w.sf.double.requests.filter(
          (r) => r.method === 'POST' && /sobjects\/PermissionSetAssignment/.test(r.path),
        );
        assert.deepEqual(
          creates.map((r) => r.status),
          [400],
          'asked once: a refusal is not retried',
        );
      });
    });

    it("a remediation over Salesforce's daily API limit (403 REQUEST_LIMIT_EXCEEDED): retried later, failed when its time ran out, escalated", async () => {
      await withWorld({}, async (w) => {
        w.sf.double.failNext({ status: 403, times: 100, path: /sobjects\/PermissionSetAssignment/ });
        await restoreRefused(w, /REQUEST_LIMIT_EXCEEDED/);
        const creates = w.sf.double.requests.filter(
          (r) => r.method === 'POST' && /sobjects\/PermissionSetAssignment/.test(r.path),
        );
        assert.ok(creates.length >= 1 && creates.every((r) => r.status === 403), JSON.stringify(creates));
      });
    });

    it('a remediation that reports failure (the pipeline restart answers 503, then 409 on the retry): recorded, the block stays, escalated, never contained', async () => {
      let restarts = 0;
      const answer = (call: HookCall) =>
        call.path !== PIPELINE_RESTART ? 202 : ++restarts === 1 ? 503 : 409;
      await withWorld({ onHook: answer }, async (w) => {
        w.sf.double.lockOut();
        const o = await runIncident(env, w, {
          ackAt: 0,
          resolveAt: 90,
          alert: { title: 'Audit log shipping stopped; integration blocked', pattern: 'audit-log-failure' },
        });
        const restart = step(o.status, 'restart-pipeline');
        assert.equal(restart.result?.ok, false);
        assert.match(restart.result!.summary, /failed, HTTP 409/);
        const calls = hookCalls(w, PIPELINE_RESTART);
        assert.equal(calls.length, 2, '503 retried, the 409 taken as the answer');
        assert.equal(
          calls[0]!.body.idempotencyKey,
          calls[1]!.body.idempotencyKey,
          'the retry is recognisable',
        );
        assert.equal(step(o.status, 'verify-connectivity').result?.ok, false, 'still blocked');
        assert.ok(
          o.status.timeline.some(
            (e) => e.kind === 'attention' && /restart-pipeline did not work/.test(e.summary),
          ),
        );
        assert.equal(o.status.escalationLevel, 1, 'acknowledged, yet the next level is told');
        assert.ok(o.status.deliveries.some((d) => d.step === 'escalation-1' && d.outcome === 'delivered'));
        assert.ok(!o.status.steps.some((x) => x.id === 'contained'), 'never declared contained');
        assert.ok(!o.status.steps.some((x) => x.id === 'closing-report'), 'no closing report');
        assertDeliveredExactlyOnce(o, w);
      });
    });
  });
});
