/**
 * Configuration from environment variables, validated once at start-up. A bad value stops the
 * process with the variable's name and what to fix, before anything connects anywhere.
 */
import { join, resolve } from 'node:path';
import { z } from 'zod';

const ROOT = resolve(__dirname, '..');

const port = z.coerce.number().int().min(1).max(65535);
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

const EnvSchema = z.object({
  TEMPORAL_ADDRESS: z.string().default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TLS: z.enum(['true', 'false']).default('false'),
  TEMPORAL_TLS_CERT: optionalText,
  TEMPORAL_TLS_KEY: optionalText,
  TEMPORAL_TLS_CA: optionalText,
  TEMPORAL_API_KEY: optionalText,
  TEMPORAL_UI_URL: z.url().default('http://localhost:8233'),
  LOCKOUT_TASK_QUEUE: z.string().min(1).default('lockout-runbook'),
  LOCKOUT_DATA_DIR: z.string().default(join(ROOT, '.data')),
  LOCKOUT_RUNBOOKS_DIR: z.string().default(join(ROOT, 'runbooks')),
  LOCKOUT_TEMPLATES_DIR: z.string().default(join(ROOT, 'templates')),
  LOCKOUT_DIRECTORY: z.string().default(join(ROOT, 'config', 'directory.yaml')),
  LOCKOUT_GATEWAY_HOST: z.string().default('127.0.0.1'),
  LOCKOUT_GATEWAY_PORT: port.default(8080),
  LOCKOUT_GATEWAY_URL: optionalText.pipe(z.url().optional()),
  LOCKOUT_SOURCES: z.string().default(join(ROOT, 'config', 'sources.yaml')),
  LOCKOUT_CLASSIFICATION: z.string().default(join(ROOT, 'config', 'classification.yaml')),
  LOCKOUT_WORKER_METRICS: z
    .string()
    .regex(/^(off|[^\s:]+:\d{1,5})$/, 'must be host:port (e.g. 127.0.0.1:9464 or 0.0.0.0:9464) or "off"')
    .default('127.0.0.1:9464'),
  LOCKOUT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SMTP_URL: optionalText.pipe(
    z
      .string()
      .regex(
        /^smtps?:\/\//,
        'must start with smtp:// or smtps://, e.g. smtp://user:pass@mail.example.com:587',
      )
      .optional(),
  ),
  SMTP_FROM: z.string().default('Lockout Runbook <lockout@localhost>'),
  LOCKOUT_SMTP_SINK_PORT: port.default(2525),
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  temporal: {
    address: string;
    namespace: string;
    tls?: { cert?: string; key?: string; ca?: string };
    apiKey?: string;
    uiUrl: string;
    taskQueue: string;
  };
  dataDir: string;
  runbooksDir: string;
  templatesDir: string;
  directoryFile: string;
  gateway: {
    host: string;
    port: number;
    publicUrl: string;
    /** config/sources.yaml: how each alert source authenticates. */
    sourcesFile: string;
    /** config/classification.yaml: labels and text → pattern, severity, region, runbook. */
    classificationFile: string;
  };
  /** Where the worker serves Prometheus metrics (host:port), or undefined when off. */
  workerMetricsAddress?: string;
  logLevel: Env['LOCKOUT_LOG_LEVEL'];
  smtp: { url?: string; from: string; sinkPort: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const tlsFiles = { cert: e.TEMPORAL_TLS_CERT, key: e.TEMPORAL_TLS_KEY, ca: e.TEMPORAL_TLS_CA };
  if (Boolean(tlsFiles.cert) !== Boolean(tlsFiles.key)) {
    throw new ConfigError(['TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY: set both for mTLS, or neither']);
  }
  const useTls = e.TEMPORAL_TLS === 'true' || Boolean(tlsFiles.cert || tlsFiles.ca || e.TEMPORAL_API_KEY);
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      tls: useTls ? tlsFiles : undefined,
      apiKey: e.TEMPORAL_API_KEY,
      uiUrl: e.TEMPORAL_UI_URL.replace(/\/$/, ''),
      taskQueue: e.LOCKOUT_TASK_QUEUE,
    },
    dataDir: e.LOCKOUT_DATA_DIR,
    runbooksDir: e.LOCKOUT_RUNBOOKS_DIR,
    templatesDir: e.LOCKOUT_TEMPLATES_DIR,
    directoryFile: e.LOCKOUT_DIRECTORY,
    gateway: {
      host: e.LOCKOUT_GATEWAY_HOST,
      port: e.LOCKOUT_GATEWAY_PORT,
      publicUrl: (
        e.LOCKOUT_GATEWAY_URL ?? `http://${e.LOCKOUT_GATEWAY_HOST}:${e.LOCKOUT_GATEWAY_PORT}`
      ).replace(/\/$/, ''),
      sourcesFile: e.LOCKOUT_SOURCES,
      classificationFile: e.LOCKOUT_CLASSIFICATION,
    },
    workerMetricsAddress: e.LOCKOUT_WORKER_METRICS === 'off' ? undefined : e.LOCKOUT_WORKER_METRICS,
    logLevel: e.LOCKOUT_LOG_LEVEL,
    smtp: { url: e.SMTP_URL, from: e.SMTP_FROM, sinkPort: e.LOCKOUT_SMTP_SINK_PORT },
  };
}

/** A link to an incident in the Temporal Web UI. */
export function webUiLink(config: Config, incidentId: string): string {
  return `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(incidentId)}`;
}
