/**
 * Routes the Temporal SDK's own logs into our structured logger, and serves the worker's
 * Prometheus metrics (the SDK's and ours, e.g. notification outcomes). Call once per process.
 */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../lib/logger';

const LEVELS: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
};

/** `metricsAddress` (host:port): where Prometheus scrapes `/metrics`; undefined serves none. */
export function installRuntime(logger: Logger, level: string, metricsAddress?: string): void {
  const sdkLevel = LEVELS[level] ?? 'WARN';
  try {
    Runtime.install({
      telemetryOptions: {
        // Native (Rust core) logs are forwarded too, so everything is one JSON stream.
        logging: { filter: { core: sdkLevel, other: sdkLevel }, forward: {} },
        ...(metricsAddress
          ? { metrics: { prometheus: { bindAddress: metricsAddress, countersTotalSuffix: true } } }
          : {}),
      },
      logger: new DefaultLogger(sdkLevel, (entry) => {
        const method =
          entry.level === 'TRACE'
            ? 'trace'
            : (entry.level.toLowerCase() as 'debug' | 'info' | 'warn' | 'error');
        logger[method]({ ...entry.meta, sdk: true }, entry.message);
      }),
    });
  } catch (err) {
    // Most often the metrics port is taken: say which setting moves it.
    if (metricsAddress && /prometheus/i.test((err as Error).message))
      throw new Error(
        `${(err as Error).message} (LOCKOUT_WORKER_METRICS=${metricsAddress}: choose another host:port, or "off")`,
        { cause: err },
      );
    throw err;
  }
}
