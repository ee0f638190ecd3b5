/** Routes the Temporal SDK's own logs into our structured logger. Call once per process. */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../config/logger';

const LEVELS: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
};

export function installRuntime(logger: Logger, level: string): void {
  const sdkLevel = LEVELS[level] ?? 'WARN';
  Runtime.install({
    // Native (Rust core) logs are forwarded too, so everything is one JSON stream.
    telemetryOptions: { logging: { filter: { core: sdkLevel, other: sdkLevel }, forward: {} } },
    logger: new DefaultLogger(sdkLevel, (entry) => {
      const method =
        entry.level === 'TRACE'
          ? 'trace'
          : (entry.level.toLowerCase() as 'debug' | 'info' | 'warn' | 'error');
      logger[method]({ ...entry.meta, sdk: true }, entry.message);
    }),
  });
}
