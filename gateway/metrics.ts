/**
 * The gateway's Prometheus metrics, served at GET /metrics. One registry per gateway, so two
 * gateways in one process (tests, the bench) never mix their counts.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ControlVerification } from '../domain/control-verification';

/** Why a request was refused; the `reason` label of lockout_gateway_rejections_total. */
export type RejectionReason =
  | 'unauthenticated'
  | 'replayed'
  | 'unsupported_media_type'
  | 'body_too_large'
  | 'invalid_json'
  | 'invalid_alert'
  | 'temporal_unavailable'
  | 'store_unavailable';

export class GatewayMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'lockout_gateway_requests_total',
    help: 'HTTP requests answered, by route template, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly requestDuration = new Histogram({
    name: 'lockout_gateway_request_duration_seconds',
    help: 'Time from request to answer, by route template',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly rejections = new Counter({
    name: 'lockout_gateway_rejections_total',
    help: 'Alert requests refused, by source and reason; none of them started or changed an incident',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
  });

  readonly alerts = new Counter({
    name: 'lockout_gateway_alerts_total',
    help: 'Alerts recorded in an incident, by source and status (firing, acknowledged, resolved)',
    labelNames: ['source', 'status'] as const,
    registers: [this.registry],
  });

  readonly incidentsOpened = new Counter({
    name: 'lockout_gateway_incidents_opened_total',
    help: 'Firing alerts that opened a new incident (the server reported that signalWithStart started a run)',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly dedupHits = new Counter({
    name: 'lockout_gateway_dedup_hits_total',
    help: 'Firing alerts that joined a running incident with the same fingerprint',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly startOutcomeUnknown = new Counter({
    name: 'lockout_gateway_start_outcome_unknown_total',
    help: 'Firing alerts recorded without knowing whether they opened or joined (client without the start-outcome interceptor)',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly notRunning = new Counter({
    name: 'lockout_gateway_not_running_total',
    help: 'Acknowledged or resolved alerts for which no incident was running: nothing recorded, nothing started',
    labelNames: ['source', 'status'] as const,
    registers: [this.registry],
  });

  readonly smsReplies = new Counter({
    name: 'lockout_gateway_sms_replies_total',
    help: 'SMS replies from Twilio, by outcome (accepted, refused, queued, not_understood, unknown_sender, forged)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'lockout_gateway_' });
  }

  /**
   * ISO 27001 control verification beside the operational metrics, read at each scrape:
   * `lockout_control_verified{control}` is 1 (verified), 0 (failing) or -1 (unverified), and
   * `lockout_control_last_success_timestamp_seconds{control}` the last run that verified it.
   */
  observeControls(controls: () => Promise<ControlVerification[]>): void {
    /** Each gauge reads at its own collect (the source caches, so Temporal is asked once). */
    const gauge = (name: string, help: string, value: (c: ControlVerification) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['control'] as const,
        registers: [this.registry],
        async collect() {
          let rows: ControlVerification[];
          try {
            rows = await controls();
          } catch {
            return; // Temporal unreachable: the scrape still shows the other metrics
          }
          this.reset();
          for (const c of rows) {
            const v = value(c);
            if (v !== undefined) this.set({ control: c.control }, v);
          }
        },
      });
    gauge(
      'lockout_control_verified',
      'ISO 27001 control verified by its continuous check: 1 verified, 0 failing, -1 not verified yet',
      (c) => (c.result === 'verified' ? 1 : c.result === 'failing' ? 0 : -1),
    );
    gauge(
      'lockout_control_last_success_timestamp_seconds',
      'When a continuous check last verified the ISO 27001 control (Unix seconds)',
      (c) => (c.lastSuccessAt ? Date.parse(c.lastSuccessAt) / 1000 : undefined),
    );
  }
}
