/**
 * OpenTelemetry tracing, on when an OTLP endpoint is configured with the standard variables
 * (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT; OTEL_SERVICE_NAME names the
 * process). Spans follow one alert from the gateway's request through the client's
 * signalWithStart, the workflow and its activities to the provider's answer, by Temporal's own
 * interceptors (@temporalio/interceptors-opentelemetry), and go to any OTLP/HTTP collector.
 * Off, nothing is registered and the no-op tracer costs nothing.
 */
import { context, propagation, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';

export interface Tracing {
  /** Where spans go (the collector's traces URL). */
  endpoint: string;
  /** Client and worker interceptors, and the workflow span exporter: give it to clients and workers. */
  plugin: OpenTelemetryPlugin;
  /** Sends what is buffered, then stops tracing in this process. */
  shutdown(): Promise<void>;
}

/** The collector's traces URL the standard variables name, or undefined when tracing is off. */
export function tracesEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.OTEL_TRACES_EXPORTER === 'none' || env.OTEL_SDK_DISABLED === 'true') return undefined;
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

let active: Tracing | undefined;

/** The process's tracing, once started: temporal/encrypted.ts gives its plugin to every client and worker. */
export function activeTracing(): Tracing | undefined {
  return active;
}

/**
 * The workflow interceptors a prebuilt bundle needs for tracing (temporal/bundle.ts): by default
 * when this process traces, or as `tracing` says (a bundle built for other processes).
 */
export function tracingWorkflowModules(tracing = active !== undefined): string[] {
  return tracing ? [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')] : [];
}

/**
 * Registers the process's tracer provider when an endpoint is configured; undefined when off.
 * Call it first thing, before clients, workers and bundles are made. Once per process.
 */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  if (active) return active;
  const endpoint = tracesEndpoint(env);
  if (!endpoint) return undefined;
  // Loaded only when tracing is on: the SDK costs every CLI command's start otherwise.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { Resource } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { BatchSpanProcessor } =
    require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { NodeTracerProvider } =
    require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { OpenTelemetryPlugin: Plugin } =
    require('@temporalio/interceptors-opentelemetry') as typeof import('@temporalio/interceptors-opentelemetry');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME || service });
  const delay = Number(env.OTEL_BSP_SCHEDULE_DELAY);
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: endpoint }), {
    ...(delay > 0 ? { scheduledDelayMillis: delay } : {}),
  });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // Global: the interceptors, the gateway and the client find the tracer there.
  provider.register();
  active = {
    endpoint,
    plugin: new Plugin({ resource, spanProcessor: processor }),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      active = undefined;
    },
  };
  return active;
}

/** The tracer of lockout-runbook's own spans (a no-op until startTracing registered a provider). */
export function tracer(): Tracer {
  return trace.getTracer('lockout-runbook');
}

/** Runs `fn` in a span of its own, ended (with the error, if any) when `fn` settles. */
export function inSpan<T>(name: string, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      throw err;
    } finally {
      span.end();
    }
  });
}
