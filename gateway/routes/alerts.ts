/**
 * `POST /alerts/<source>`: Alertmanager, PagerDuty (Events API v2), Datadog and the generic format.
 * Each request is authenticated, parsed and validated before Temporal is touched; a firing alert
 * opens or joins its incident, an acknowledged or resolved one only joins a running incident.
 *
 * Order of checks, and the answer when one fails: 415 not JSON, 413 too large, 401 not
 * authenticated, 409 an exact replay of a signed request, 400 not valid JSON or not a valid
 * payload (each problem as `field: reason`), 503 Temporal unreachable. Only a 202 has recorded
 * anything.
 */
import { inSpan } from '../../lib/tracing';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { JsonRefused, parseJsonText } from '../../lib/json-text';
import { isTemporalUnavailable } from '../../client/status';
import { authenticate, type SourceAuth } from '../auth';
import { ReplayGuard, type Replays } from '../replay-guard';
import type { GatewayMetrics, RejectionReason } from '../metrics';
import { classify, type ClassificationRules, type Classified } from '../../intake/classify';
import {
  joinRunningIncident,
  openOrJoinIncident,
  type IntakeOptions,
  type IntakeResult,
  type JoinResult,
} from '../../client/open-incident';
import { AlertRejected, SOURCE_KINDS, type SourceKind } from '../../intake/source-alert';
import { ALERT_FORMATS } from '../../intake/sources';
import { incidentIdFor } from '../../client/ids';
import { RunningIncidents } from '../../client/running-incidents';
import { AlertBatches } from '../../client/alert-batches';

export interface AlertRoutesOptions {
  intake: IntakeOptions;
  webUiLink(incidentId: string): string;
  sources: Partial<Record<SourceKind, SourceAuth>>;
  classification: () => ClassificationRules;
  metrics: GatewayMetrics;
  /** Signatures seen inside their replay window (one per gateway by default). */
  replays?: Replays;
}

/** What the sender hears about one alert. */
export interface AlertOutcome {
  incidentId: string;
  webUi: string;
  /** opened / joined the incident; recorded (opened or joined, not known which); not-running. */
  outcome: 'opened' | 'joined' | 'recorded' | 'not-running';
  alertStatus: Classified['alert']['status'];
  pattern: Classified['alert']['pattern'];
  runId?: string;
  runbook?: string;
  note?: string;
}

/** Alertmanager sends groups of alerts and hears back a list; the others send and hear one. */
const BATCH: Record<SourceKind, boolean> = {
  alertmanager: true,
  pagerduty: false,
  datadog: false,
  generic: false,
};

export const alertRoutes: FastifyPluginAsync<AlertRoutesOptions> = async (app, given) => {
  // Each gateway remembers the incidents it saw running and batches their alerts, unless its
  // caller shares one memory.
  const options = {
    ...given,
    intake: {
      ...given.intake,
      running: given.intake.running ?? new RunningIncidents(),
      batches: given.intake.batches ?? new AlertBatches(),
    },
  };
  // Signatures are over the bytes as sent, so alert bodies stay raw until they are authenticated.
  // (Only inside this plugin: other routes keep Fastify's JSON parsing.)
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );

  for (const kind of SOURCE_KINDS) {
    app.post(`/alerts/${kind}`, { config: { source: kind } }, (request, reply) =>
      traced(kind, request, reply),
    );
  }
  // Tools that speak PagerDuty's Events API post to <base>/v2/enqueue.
  app.post('/alerts/pagerduty/v2/enqueue', { config: { source: 'pagerduty' } }, (request, reply) =>
    traced('pagerduty', request, reply),
  );

  /** The alert's first span (lib/tracing.ts): the client's signalWithStart and the incident follow it. */
  function traced(kind: SourceKind, request: FastifyRequest, reply: FastifyReply) {
    return inSpan(`POST ${request.routeOptions.url ?? `/alerts/${kind}`}`, async (span) => {
      span.setAttribute('lockout.alert.source', kind);
      const sent = await receive(kind, request, reply);
      span.setAttribute('http.response.status_code', reply.statusCode);
      return sent;
    });
  }

  const replays = options.replays ?? new ReplayGuard();

  async function receive(kind: SourceKind, request: FastifyRequest, reply: FastifyReply) {
    const { metrics } = options;
    const refuse = (status: number, reason: RejectionReason, body: Record<string, unknown>) => {
      metrics.rejections.inc({ source: kind, reason });
      request.log.warn({ source: kind, reason, status }, 'alert refused');
      return reply.status(status).send(body);
    };

    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const auth = authenticate(options.sources[kind], request.headers, raw);
    if (!auth.ok) {
      if (options.sources[kind]?.mode === 'bearer')
        void reply.header('www-authenticate', 'Bearer realm="lockout-runbook"');
      return refuse(401, 'unauthenticated', { error: 'not authenticated', reason: auth.message });
    }
    const { signed } = auth;
    let first: boolean;
    try {
      first = !signed || (await replays.claim(signed.signature, signed.timestampMs, signed.windowMs));
    } catch (err) {
      // Without the shared guard a replay cannot be told apart: refuse, the sender retries.
      request.log.error({ err: (err as Error).message }, 'replay guard unavailable');
      return refuse(503, 'store_unavailable', {
        error: 'cannot check for replays right now',
        reason: 'the shared store is unavailable; retry this request',
      });
    }
    if (!first)
      return refuse(409, 'replayed', {
        error: 'replayed request',
        reason:
          'this exact signed request was already received and is not recorded twice; sign each new alert with a fresh timestamp',
      });
    try {
      return await parseAndRecord(kind, raw, request, reply, refuse);
    } finally {
      // Anything but a 202 recorded nothing: the same signed request may then be retried.
      if (signed && reply.statusCode !== 202)
        await Promise.resolve(replays.release(signed.signature)).catch((err: Error) =>
          request.log.warn(
            { err: err.message },
            'replay guard entry not released; it expires with the window',
          ),
        );
    }
  }

  async function parseAndRecord(
    kind: SourceKind,
    raw: Buffer,
    request: FastifyRequest,
    reply: FastifyReply,
    refuse: (status: number, reason: RejectionReason, body: Record<string, unknown>) => FastifyReply,
  ) {
    let body: unknown;
    try {
      body = parseJsonText(raw.toString('utf8'));
    } catch (err) {
      if (!(err instanceof JsonRefused)) throw err;
      return refuse(400, 'invalid_json', {
        error: 'invalid JSON',
        problems: [`(body): ${(err as Error).message}`],
      });
    }

    const format = ALERT_FORMATS[kind];
    let payload;
    try {
      payload = format.parse(body);
    } catch (err) {
      if (!(err instanceof AlertRejected)) throw err;
      return refuse(400, 'invalid_alert', { error: `invalid ${format.title}`, problems: err.problems });
    }

    const rules = options.classification();
    const receivedAt = new Date();
    const classified = payload.alerts.map((a) => classify(rules, a, receivedAt));
    const settled = await Promise.allSettled(classified.map((c) => record(kind, c)));
    const outcomes = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    // Anything but Temporal failing is a bug or a broken configuration: a 500, logged.
    if (failure && !isTemporalUnavailable(failure.reason)) throw failure.reason;
    if (failure) {
      request.log.error(
        {
          err: failure.reason as Error,
          source: kind,
          incidentIds: classified.map((c) => incidentIdFor(c.alert.fingerprint)),
        },
        'could not reach Temporal',
      );
      return refuse(503, 'temporal_unavailable', {
        error:
          outcomes.length === 0
            ? 'Temporal is unreachable; the alert was not recorded, retry'
            : `Temporal is unreachable; ${outcomes.length} of ${classified.length} alerts were recorded, retry (those will count twice)`,
        ...(outcomes.length ? { incidents: outcomes } : {}),
      });
    }
    for (const o of outcomes) {
      request.log.info(
        {
          incidentId: o.incidentId,
          source: kind,
          alertStatus: o.alertStatus,
          outcome: o.outcome,
          pattern: o.pattern,
        },
        o.outcome === 'not-running' ? 'alert for no running incident' : 'alert recorded',
      );
    }
    const answer = BATCH[kind] ? { incidents: outcomes } : outcomes[0];
    return reply.status(202).send({ ...payload.reply, ...answer });
  }

  async function record(kind: SourceKind, classified: Classified): Promise<AlertOutcome> {
    const { alert } = classified;
    const { metrics } = options;
    const base = { alertStatus: alert.status, pattern: alert.pattern };
    if (alert.status !== 'firing') {
      const joined: JoinResult = await joinRunningIncident(options.intake, alert);
      const webUi = options.webUiLink(joined.incidentId);
      if (!joined.running) {
        metrics.notRunning.inc({ source: kind, status: alert.status });
        return { incidentId: joined.incidentId, webUi, outcome: 'not-running', ...base, note: joined.note };
      }
      metrics.alerts.inc({ source: kind, status: alert.status });
      return { incidentId: joined.incidentId, webUi, outcome: 'joined', ...base };
    }
    const result: IntakeResult = await openOrJoinIncident(options.intake, alert, {
      runbookId: classified.runbookId,
    });
    metrics.alerts.inc({ source: kind, status: alert.status });
    if (result.opened === undefined) metrics.startOutcomeUnknown.inc({ source: kind });
    else (result.opened ? metrics.incidentsOpened : metrics.dedupHits).inc({ source: kind });
    const { opened, ...rest } = result;
    return {
      ...rest,
      webUi: options.webUiLink(result.incidentId),
      outcome: opened === undefined ? 'recorded' : opened ? 'opened' : 'joined',
      ...base,
    };
  }
};
