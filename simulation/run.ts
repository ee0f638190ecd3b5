/**
 * `lockout simulate`: runs a runbook on the time-skipping test server, hours in seconds, with the
 * real workflow, directory and templates. Messages are rendered but not sent, remediation is not
 * run (each activity step reports "simulated"), and responders act at the offsets given.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import nodemailer from 'nodemailer';
import { notificationActivities } from '../activities/notification';
import { createActivities, type ActivityDeps } from '../activities';
import { RUNBOOK_ACTIVITIES } from '../activities/catalog';
import { prepareMessage, type DeliveryReceipt } from '../activities/message';
import { fileLedger } from '../comms/sent-ledger';
import { loadDirectory } from '../comms/directory';
import { loadTemplates } from '../comms/templates';
import { webUiLink, type Config } from '../config/env';
import type { GenericAlert } from '../domain/alert';
import { durationMs } from '../domain/duration';
import { DATA_REGIONS, regionalTaskQueue } from '../domain/regions';
import { BUILT_IN_FACTS } from '../domain/facts';
import type { IncidentStatus, StepResult } from '../domain/incident';
import type { Channel, Runbook } from '../domain/runbook';
import { parseGenericAlert } from '../intake/alerts';
import { sendAction, type ActionInput, type ActionName, type ActionOutcome } from '../client/actions';
import { queryStatus } from '../client/status';
import { openOrJoinIncident } from '../client/open-incident';
import { requireBinary, TEMPORAL_TEST_SERVER } from '../temporal/binaries';
import { bundleWorkflows } from '../temporal/bundle';
import { registerSearchAttributes } from '../temporal/register-search-attributes';
import { createWorker, startTestEnvironment } from '../temporal/encrypted';
import { KEY_REGIONS, KeyRing } from '../temporal/key-ring';
import { WORKFLOWS_PATH } from '../workers/worker';
import { continuityDefaults } from './continuity';
import { formatOffset, type Response } from './script';

export interface SimulationOptions {
  config: Config;
  /**
   * The key ring payloads are encrypted with. By default a fresh one for this run: the server
   * lives in memory and nothing outlives the run (the recorder passes the fixture keys).
   */
  keys?: KeyRing;
  runbook: Runbook;
  facts: Record<string, string>;
  responses: Response[];
  /** Simulated time to run for; default: the longest clock plus an hour (at least 4 h). */
  horizonMs?: number;
  /** Step ids whose activities should report failure. */
  failSteps?: string[];
  progress?: (line: string) => void;
  /** Keep the incident's event history (replay tests record histories this way). */
  captureHistory?: boolean;
}

export interface SimulatedMessage {
  at: string;
  step: string;
  channel: Channel;
  recipient: string;
  subject: string;
}

export interface SimulationResult {
  runbook: { id: string; version: number; title: string };
  facts: Record<string, string>;
  horizonMs: number;
  status: IncidentStatus;
  messages: SimulatedMessage[];
  /** Responses the incident refused, with its reason. */
  refusals: { response: Response; reason: string }[];
  history?: Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>;
}

export function alertFor(runbook: Runbook, facts: Record<string, string>): GenericAlert {
  const labels = Object.fromEntries(
    Object.entries(facts).filter(([k]) => !(BUILT_IN_FACTS as readonly string[]).includes(k)),
  );
  return {
    title: facts.title ?? `Simulated: ${runbook.title}`,
    source: facts.source ?? 'simulation',
    pattern: (facts.pattern ?? runbook.match.patterns[0] ?? 'unclassified') as GenericAlert['pattern'],
    ...(facts.severity ? { severity: facts.severity as GenericAlert['severity'] } : {}),
    ...(facts.region ? { region: facts.region as GenericAlert['region'] } : {}),
    ...(facts.euPersonalData ? { euPersonalData: facts.euPersonalData === 'true' } : {}),
    ...(facts.description ? { description: facts.description } : {}),
    labels,
    fingerprint: `simulation-${runbook.id}`,
  };
}

export function defaultHorizon(runbook: Runbook, responses: Response[]): number {
  const clocks = runbook.clocks.map((c) => durationMs(c.within));
  const last = Math.max(0, ...responses.map((r) => r.at));
  return Math.max(4 * 3_600_000, ...clocks.map((c) => c + 3_600_000), last + 3_600_000);
}

/** The real activities, except that nothing leaves the machine. */
function simulatedActivities(deps: ActivityDeps, messages: SimulatedMessage[], failSteps: string[]) {
  const real = createActivities(deps);
  const send =
    (channel: Channel) =>
    async (raw: unknown): Promise<DeliveryReceipt> => {
      const prepared = await prepareMessage(deps, channel, raw);
      messages.push({
        at: prepared.input.at ?? new Date().toISOString(),
        step: prepared.input.step,
        channel,
        recipient: prepared.input.recipient.name,
        subject: prepared.message.subject,
      });
      return {
        outcome: 'delivered',
        messageId: `simulated-${prepared.key}`,
        detail: 'simulated: rendered, not sent',
      };
    };
  const remediation = Object.fromEntries(
    Object.keys(RUNBOOK_ACTIVITIES).map((name) => [
      name,
      async (input: { step: string }): Promise<StepResult> => {
        const fails = failSteps.includes(input.step);
        return { ok: !fails, summary: `simulated: ${name} not run${fails ? ', reported as failing' : ''}` };
      },
    ]),
  );
  const senders = {
    email: send('email'),
    sms: send('sms'),
    voice: send('voice'),
    webhook: send('webhook'),
  };
  return {
    ...real,
    ...remediation,
    sendEmail: senders.email,
    sendSms: senders.sms,
    placeVoiceCall: senders.voice,
    postWebhook: senders.webhook,
    // A lean incident's notifications go through the same simulated senders.
    ...notificationActivities(deps, senders),
  };
}

function simulationDeps(config: Config, client: Client): ActivityDeps {
  const directory = loadDirectory(config.directoryFile);
  const templates = loadTemplates(config.templatesDir);
  const dataDir = mkdtempSync(join(tmpdir(), 'lockout-simulation-'));
  return {
    directory: () => directory,
    templates: () => templates,
    email: {
      transport: nodemailer.createTransport({ jsonTransport: true }),
      from: config.smtp.from,
      mode: 'smtp',
    },
    links: (id) => ({ webUi: webUiLink(config, id) }),
    incidentStatus: (id) => queryStatus(client, id),
    messaging: {
      outboxDir: join(dataDir, 'outbox'),
      sent: fileLedger(join(dataDir, 'sent')),
      secret: () => undefined,
    },
    continuity: continuityDefaults(dataDir),
  };
}

/** A scripted response, sent the way the CLI sends it (the simulation's worker always answers). */
function respond(
  client: Client,
  incidentId: string,
  r: Response,
  detectedAt: number,
): Promise<ActionOutcome> {
  const note = `simulated response at ${formatOffset(r.at)}`;
  const send = <N extends ActionName>(name: N, input: ActionInput<N>) =>
    sendAction(client, incidentId, name, input, { answerWithinMs: 60_000 });
  switch (r.kind) {
    case 'ack':
      return send('acknowledge', { by: r.by, note });
    case 'resolve':
      return send('resolve', { by: r.by, reason: 'simulated resolution' });
    case 'reopen':
      return send('reopen', { by: r.by, reason: 'simulated reopen' });
    case 'escalate':
      return send('escalate', { by: r.by });
    case 'approve':
      return send('approve', { step: r.step, by: r.by });
    case 'reject':
      return send('reject', { step: r.step, by: r.by, reason: 'simulated rejection' });
    case 'aware':
      return send('setAwareness', {
        at: new Date(detectedAt + r.awareAt).toISOString(),
        by: r.by,
        reason: 'simulated correction',
      });
    case 'fact':
      return send('setFact', { name: r.name, value: r.value, by: r.by });
    case 'clock':
      return send('clockMet', { clock: r.clock, by: r.by, note: 'simulated' });
    case 'phase':
      return send('setPhase', { phase: r.phase, by: r.by });
    default: {
      const unknown: never = r;
      throw new Error(`unhandled response ${JSON.stringify(unknown)}`);
    }
  }
}

export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const say = options.progress ?? (() => undefined);
  const { runbook } = options;
  const responses = [...options.responses].sort((a, b) => a.at - b.at);
  const horizonMs = options.horizonMs ?? defaultHorizon(runbook, responses);
  const messages: SimulatedMessage[] = [];
  const refusals: SimulationResult['refusals'] = [];

  quietRuntime();
  say('starting the time-skipping test server');
  const env = await startTestEnvironment(
    'time-skipping',
    { server: { executable: { type: 'existing-path', path: requireBinary(TEMPORAL_TEST_SERVER) } } },
    options.keys ??
      new KeyRing(
        KEY_REGIONS.map((region) => ({ id: `simulation-${region}`, region, key: randomBytes(32) })),
      ),
  );
  try {
    await registerSearchAttributes(env.connection, env.namespace ?? 'default');
    say('bundling the workflow');
    const workflowBundle = await bundleWorkflows(WORKFLOWS_PATH);
    const taskQueue = 'simulation';
    const activities = simulatedActivities(
      simulationDeps(options.config, env.client),
      messages,
      options.failSteps ?? [],
    );
    const worker = await createWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle,
      activities,
    });
    // Regional steps (customer data) are routed to the region's queue: serve those too.
    const regional = await Promise.all(
      DATA_REGIONS.map((region) =>
        createWorker({
          connection: env.nativeConnection,
          namespace: env.namespace ?? 'default',
          taskQueue: regionalTaskQueue(taskQueue, region),
          activities,
        }),
      ),
    );
    const regionalRunning = regional.map((w) => w.run());
    let history: SimulationResult['history'];
    const status = await worker
      .runUntil(async () => {
        const alert = parseGenericAlert(alertFor(runbook, options.facts));
        const { incidentId } = await openOrJoinIncident(
          { client: env.client, taskQueue, runbooks: () => [runbook] },
          alert,
        );
        const handle = env.client.workflow.getHandle(incidentId);
        let detectedAt: number | undefined;
        for (let i = 0; i < 100 && detectedAt === undefined; i++) {
          detectedAt = Date.parse((await queryStatus(env.client, incidentId)).detectedAt);
          if (Number.isNaN(detectedAt)) detectedAt = undefined;
        }
        const start = detectedAt ?? (await env.currentTimeMs());
        for (const r of responses) {
          const wait = start + r.at - (await env.currentTimeMs());
          if (wait > 0) await env.sleep(wait);
          say(`T+${Math.round(r.at / 60_000)}m: ${r.kind}`);
          if ((await handle.describe()).status.name !== 'RUNNING') {
            refusals.push({ response: r, reason: 'the incident had already ended' });
            continue;
          }
          const outcome = await respond(env.client, incidentId, r, start);
          if (outcome.outcome !== 'accepted')
            refusals.push({ response: r, reason: `${outcome.outcome}: ${outcome.message}` });
        }
        const rest = start + horizonMs - (await env.currentTimeMs());
        say(`running to T+${Math.round(horizonMs / 3_600_000)}h`);
        if (rest > 0 && (await handle.describe()).status.name === 'RUNNING') await env.sleep(rest);
        const final = (await handle.describe()).status.name;
        const status =
          final === 'RUNNING'
            ? await queryStatus(env.client, incidentId)
            : ((await handle.result()) as IncidentStatus);
        if (final === 'RUNNING') await handle.terminate('simulation finished');
        if (options.captureHistory) history = await handle.fetchHistory();
        return status;
      })
      .finally(async () => {
        for (const w of regional) w.shutdown();
        await Promise.all(regionalRunning);
      });
    return {
      runbook: { id: runbook.id, version: runbook.version, title: runbook.title },
      facts: options.facts,
      horizonMs,
      status,
      messages,
      refusals,
      ...(history ? { history } : {}),
    };
  } finally {
    await env.teardown();
  }
}

let runtimeInstalled = false;
/** The SDK's own logs would drown the report; only its errors are shown. */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
    });
  } catch {
    // Already installed by the host process (tests): keep its settings.
  }
}
