/**
 * Configuration from environment variables, validated once at start-up. A bad value stops the
 * process with the variable's name and what to fix, before anything connects anywhere.
 */
import { createHmac } from 'node:crypto';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { attemptLimit, duration, optionalText } from './env-fields';
import { DATA_REGIONS, type DataRegion } from '../domain/regions';
import {
  crmSyncSettings,
  salesforceFiles,
  salesforceSettings,
  SALESFORCE_ENV,
  type CrmSyncSettings,
  type SalesforceFiles,
  type SalesforceSettings,
} from './salesforce-env';
import { CODEC_ENV, codecSettings, type CodecSettings } from './codec-env';
import { EVIDENCE_S3_ENV, evidenceS3Settings, type S3StoreSettings } from './evidence-env';

const ROOT = resolve(__dirname, '..');

const port = z.coerce.number().int().min(1).max(65535);

/** `a,b` → ['a', 'b']; empty or `none` → []. */
const splitList = (v: string): string[] =>
  v.trim() === 'none'
    ? []
    : v
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);

/** Secrets that sign links and sessions: long enough not to be guessed. */
const signingSecret = optionalText.pipe(
  z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 48`)').optional(),
);

const EnvSchema = z.object({
  TEMPORAL_ADDRESS: z.string().optional(),
  /** Port of the dev server `npm start` runs when TEMPORAL_ADDRESS is not set. */
  LOCKOUT_TEMPORAL_PORT: port.default(7233),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TLS: z.enum(['true', 'false']).default('false'),
  TEMPORAL_TLS_CERT: optionalText,
  TEMPORAL_TLS_KEY: optionalText,
  TEMPORAL_TLS_CA: optionalText,
  TEMPORAL_API_KEY: optionalText,
  TEMPORAL_UI_URL: z.url().default('http://localhost:8233'),
  LOCKOUT_TASK_QUEUE: z.string().min(1).default('lockout-runbook'),
  LOCKOUT_DATA_DIR: z.string().default(join(ROOT, '.data')),
  /** Where closing incidents archive their evidence packs (docs/evidence.md). */
  LOCKOUT_EVIDENCE_DIR: optionalText,
  /** Chromium that prints report.pdf; `off`: packs without a PDF. */
  LOCKOUT_CHROMIUM: z.string().min(1).default('/usr/bin/chromium'),
  /** Production: `npm start` makes no alert-source tokens on its own (docs/alerts.md). */
  LOCKOUT_PRODUCTION: z.enum(['true', 'false'], 'must be "true" or "false"').default('false'),
  LOCKOUT_RUNBOOKS_DIR: z.string().default(join(ROOT, 'runbooks')),
  LOCKOUT_TEMPLATES_DIR: z.string().default(join(ROOT, 'templates')),
  LOCKOUT_DIRECTORY: z.string().default(join(ROOT, 'config', 'directory.yaml')),
  LOCKOUT_GATEWAY_HOST: z.string().default('127.0.0.1'),
  LOCKOUT_GATEWAY_PORT: port.default(8080),
  LOCKOUT_GATEWAY_URL: optionalText.pipe(z.url().optional()),
  LOCKOUT_SOURCES: z.string().default(join(ROOT, 'config', 'sources.yaml')),
  LOCKOUT_CLASSIFICATION: z.string().default(join(ROOT, 'config', 'classification.yaml')),
  LOCKOUT_METRICS_TOKEN: optionalText.pipe(
    z.string().min(16, 'must be at least 16 characters (a shared secret)').optional(),
  ),
  LOCKOUT_WORKER_METRICS: z
    .string()
    .regex(/^(off|[^\s:]+:\d{1,5})$/, 'must be host:port (e.g. 127.0.0.1:9464 or 0.0.0.0:9464) or "off"')
    .default('127.0.0.1:9464'),
  /** On SIGTERM, how long running activities may finish before they are cancelled (docker-compose: below stop_grace_period). */
  LOCKOUT_WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(20_000),
  /** Workflows (open incidents) the incident worker keeps in memory; unset: the SDK's, from the heap limit. */
  LOCKOUT_WORKER_CACHE_SIZE: optionalText.pipe(
    z.coerce
      .number<string>({ error: 'must be a whole number of workflows, e.g. 2000' })
      .int('must be a whole number of workflows, e.g. 2000')
      .min(2, 'must be at least 2 (the SDK needs two to run)')
      .max(100_000, 'must be at most 100000 (one worker; add workers beyond that)')
      .optional(),
  ),
  /** A workflow bundle written by `npm run bundle`; unset: each worker process bundles workflows/ at start. */
  LOCKOUT_WORKFLOW_BUNDLE: optionalText,
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
  SMTP_TLS_CA: optionalText,
  TWILIO_ACCOUNT_SID: optionalText.pipe(
    z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'must be an Account SID: AC followed by 32 hex digits')
      .optional(),
  ),
  TWILIO_AUTH_TOKEN: optionalText,
  TWILIO_API_KEY_SID: optionalText.pipe(
    z
      .string()
      .regex(/^SK[0-9a-fA-F]{32}$/, 'must be an API key SID: SK followed by 32 hex digits')
      .optional(),
  ),
  TWILIO_API_KEY_SECRET: optionalText,
  TWILIO_FROM: optionalText.pipe(
    z
      .string()
      .regex(
        /^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$/,
        'must be an E.164 number or a Messaging Service SID (MG…)',
      )
      .optional(),
  ),
  TWILIO_VOICE_FROM: optionalText.pipe(
    z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number')
      .optional(),
  ),
  TWILIO_API_URL: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
  LOCKOUT_SMS_REPLIES: z.enum(['on', 'off'], 'must be "on" or "off"').default('off'),
  LOCKOUT_WATCH_FILE: z.string().default(join(ROOT, 'config', 'watch.yaml')),
  LOCKOUT_HOOKS_FILE: z.string().default(join(ROOT, 'config', 'hooks.yaml')),
  LOCKOUT_PERIODS_FILE: z.string().default(join(ROOT, 'config', 'periods.yaml')),
  LOCKOUT_CRISIS_BUDGET_FILE: z.string().default(join(ROOT, 'config', 'crisis-budget.yaml')),
  LOCKOUT_HOOK_COMMANDS: z
    .string()
    .default('')
    .transform(splitList)
    .pipe(
      z.array(
        z.string().startsWith('/', 'each program must be an absolute path, e.g. /usr/local/bin/reload-proxy'),
      ),
    ),
  LOCKOUT_JOURNEYS_FILE: optionalText,
  LOCKOUT_LINK_SECRET: signingSecret,
  LOCKOUT_LINK_SECRET_PREVIOUS: signingSecret,
  LOCKOUT_LINK_TTL: duration.default(24 * 3_600_000),
  LOCKOUT_RESPONDER_TIME_MARGIN: duration.default(30 * 86_400_000),
  LOCKOUT_STATUS_AUTH: z.enum(['tokens', 'proxy'], 'must be "tokens" or "proxy"').default('tokens'),
  LOCKOUT_RESPONDERS_FILE: z.string().default(join(ROOT, 'config', 'responders.yaml')),
  LOCKOUT_PROXY_IDENTITY_HEADER: optionalText.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name, e.g. X-Forwarded-User')
      .optional(),
  ),
  LOCKOUT_PROXY_ALLOW_FROM: z.string().default('127.0.0.1,::1,::ffff:127.0.0.1').transform(splitList),
  LOCKOUT_SESSION_SECRET: signingSecret,
  LOCKOUT_SESSION_TTL: duration.default(12 * 3_600_000),
  LOCKOUT_LOGIN_LIMIT_PER_ADDRESS: attemptLimit.default({ max: 10, windowMs: 15 * 60_000 }),
  LOCKOUT_LOGIN_LIMIT_PER_TOKEN: attemptLimit.default({ max: 5, windowMs: 15 * 60_000 }),
  LOCKOUT_DATABASE_URL: optionalText.pipe(
    z
      .string()
      .regex(
        /^postgres(ql)?:\/\//,
        'must be a PostgreSQL URL, e.g. postgresql://lockout:secret@db.example.com:5432/lockout',
      )
      .optional(),
  ),
  LOCKOUT_WORKER_MAIN: z.enum(['true', 'false']).default('true'),
  LOCKOUT_WORKER_REGIONS: z
    .string()
    .default(DATA_REGIONS.join(','))
    .transform(splitList)
    .pipe(z.array(z.enum(DATA_REGIONS, `each region must be one of ${DATA_REGIONS.join(', ')}`))),
  ...SALESFORCE_ENV,
  ...CODEC_ENV,
  ...EVIDENCE_S3_ENV,
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
  /**
   * Evidence packs (docs/evidence.md): the store closing incidents archive into (`s3` when
   * LOCKOUT_EVIDENCE_S3_BUCKET is set, else the directory); Chromium for the PDF.
   */
  evidence: { dir: string; s3?: S3StoreSettings; chromium: string | false };
  /** LOCKOUT_PRODUCTION: no first-run conveniences (source tokens made by `npm start`). */
  production: boolean;
  /** Shared state of the gateways (docs/storage.md): a PostgreSQL server, or embedded under dataDir. */
  store: StoreLocation;
  /** How long before an incident's first alert a responder's time (awareness, clock met) may be. */
  responderTimeMarginMs: number;
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
    /** Bearer token for GET /metrics; undefined: open. */
    metricsToken?: string;
  };
  /** Where the worker serves Prometheus metrics (host:port), or undefined when off. */
  workerMetricsAddress?: string;
  /** On SIGTERM, running activities get this long to finish (ms). */
  workerShutdownGraceMs: number;
  /** Workflows the incident worker caches; undefined: the SDK's default (from the heap limit). */
  workerCacheSize?: number;
  /** A prebuilt workflow bundle (temporal/prebuilt-bundle.ts); undefined: bundle at start. */
  workflowBundle?: string;
  logLevel: Env['LOCKOUT_LOG_LEVEL'];
  smtp: { url?: string; from: string; sinkPort: number; caFile?: string };
  /** SMS and voice; undefined when no Twilio credentials are set (messages go to the outbox). */
  twilio?: {
    accountSid: string;
    auth: { authToken: string } | { apiKeySid: string; apiKeySecret: string };
    from: string;
    voiceFrom?: string;
    apiUrl?: string;
  };
  /** Replies to our SMS (LOCKOUT_SMS_REPLIES=on): the auth token Twilio signs its webhooks with. */
  smsReplies?: { authToken: string };
  continuity: { watchFile: string; hooksFile: string; hookCommands: string[]; journeysFile: string };
  /** High-risk periods declared in configuration (docs/readiness.md). */
  readiness: { periodsFile: string; crisisBudgetFile: string };
  /** What this worker process polls: the main queue, and the task queues of these data regions. */
  workers: { main: boolean; regions: DataRegion[] };
  /** Unset: Salesforce is not configured. */
  salesforce?: SalesforceSettings;
  salesforceFiles: SalesforceFiles;
  crmSync: CrmSyncSettings;
  /** Payload encryption keys and the codec server (docs/privacy.md). */
  codec: CodecSettings;
  /** Signed one-click links in messages; undefined without LOCKOUT_LINK_SECRET (no links issued). */
  links?: { secrets: string[]; ttlMs: number };
  /** Who may see the compliance status page and act on it. */
  statusPage: StatusPageConfig;
}

export interface StatusPageConfig {
  /** `tokens`: per-responder tokens and a login form; `proxy`: an SSO proxy's identity header. */
  auth: { mode: 'tokens'; respondersFile: string } | { mode: 'proxy'; header: string; allowFrom: string[] };
  /** Signs session cookies; derived from the link secret when not set, else random per process. */
  sessionSecret?: string;
  sessionTtlMs: number;
  /** Sign-in attempts allowed per client address and per presented token, across replicas. */
  loginLimits: { perAddress: AttemptLimit; perToken: AttemptLimit };
}

/** Where the shared store lives: a PostgreSQL server, or embedded (`dir` undefined: in memory). */
export type StoreLocation = { kind: 'postgresql'; url: string } | { kind: 'embedded'; dir?: string };

export interface AttemptLimit {
  max: number;
  windowMs: number;
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
  const salesforce = salesforceSettings(e);
  if (salesforce.problems.length) throw new ConfigError(salesforce.problems);
  const evidenceS3 = evidenceS3Settings(e);
  if (evidenceS3.problems.length) throw new ConfigError(evidenceS3.problems);
  const useTls = e.TEMPORAL_TLS === 'true' || Boolean(tlsFiles.cert || tlsFiles.ca || e.TEMPORAL_API_KEY);
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS ?? `localhost:${e.LOCKOUT_TEMPORAL_PORT}`,
      namespace: e.TEMPORAL_NAMESPACE,
      tls: useTls ? tlsFiles : undefined,
      apiKey: e.TEMPORAL_API_KEY,
      uiUrl: e.TEMPORAL_UI_URL.replace(/\/$/, ''),
      taskQueue: e.LOCKOUT_TASK_QUEUE,
    },
    dataDir: e.LOCKOUT_DATA_DIR,
    evidence: {
      dir: e.LOCKOUT_EVIDENCE_DIR ?? join(e.LOCKOUT_DATA_DIR, 'evidence'),
      ...(evidenceS3.settings ? { s3: evidenceS3.settings } : {}),
      chromium: e.LOCKOUT_CHROMIUM === 'off' ? false : e.LOCKOUT_CHROMIUM,
    },
    production: e.LOCKOUT_PRODUCTION === 'true',
    store: e.LOCKOUT_DATABASE_URL
      ? { kind: 'postgresql', url: e.LOCKOUT_DATABASE_URL }
      : { kind: 'embedded', dir: join(e.LOCKOUT_DATA_DIR, 'store') },
    responderTimeMarginMs: e.LOCKOUT_RESPONDER_TIME_MARGIN,
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
      metricsToken: e.LOCKOUT_METRICS_TOKEN,
    },
    workerMetricsAddress: e.LOCKOUT_WORKER_METRICS === 'off' ? undefined : e.LOCKOUT_WORKER_METRICS,
    workerShutdownGraceMs: e.LOCKOUT_WORKER_SHUTDOWN_GRACE_MS,
    workerCacheSize: e.LOCKOUT_WORKER_CACHE_SIZE,
    workflowBundle: e.LOCKOUT_WORKFLOW_BUNDLE,
    logLevel: e.LOCKOUT_LOG_LEVEL,
    smtp: { url: e.SMTP_URL, from: e.SMTP_FROM, sinkPort: e.LOCKOUT_SMTP_SINK_PORT, caFile: e.SMTP_TLS_CA },
    twilio: twilioConfig(e),
    smsReplies: smsRepliesConfig(e),
    continuity: {
      watchFile: e.LOCKOUT_WATCH_FILE,
      hooksFile: e.LOCKOUT_HOOKS_FILE,
      hookCommands: e.LOCKOUT_HOOK_COMMANDS,
      journeysFile: e.LOCKOUT_JOURNEYS_FILE ?? join(e.LOCKOUT_DATA_DIR, 'journeys.json'),
    },
    readiness: { periodsFile: e.LOCKOUT_PERIODS_FILE, crisisBudgetFile: e.LOCKOUT_CRISIS_BUDGET_FILE },
    workers: { main: e.LOCKOUT_WORKER_MAIN === 'true', regions: [...new Set(e.LOCKOUT_WORKER_REGIONS)] },
    salesforce: salesforce.settings,
    salesforceFiles: salesforceFiles(e),
    crmSync: crmSyncSettings(e, e.LOCKOUT_TASK_QUEUE),
    codec: codecSettings(e, e.TEMPORAL_UI_URL),
    links: e.LOCKOUT_LINK_SECRET
      ? {
          secrets: [
            e.LOCKOUT_LINK_SECRET,
            ...(e.LOCKOUT_LINK_SECRET_PREVIOUS ? [e.LOCKOUT_LINK_SECRET_PREVIOUS] : []),
          ],
          ttlMs: e.LOCKOUT_LINK_TTL,
        }
      : undefined,
    statusPage: statusPageConfig(e),
  };
}

function statusPageConfig(e: Env): StatusPageConfig {
  if (e.LOCKOUT_STATUS_AUTH === 'proxy' && !e.LOCKOUT_PROXY_IDENTITY_HEADER)
    throw new ConfigError([
      'LOCKOUT_PROXY_IDENTITY_HEADER: required when LOCKOUT_STATUS_AUTH=proxy (the header your SSO proxy sets, e.g. X-Forwarded-User)',
    ]);
  return {
    auth:
      e.LOCKOUT_STATUS_AUTH === 'proxy'
        ? {
            mode: 'proxy',
            header: e.LOCKOUT_PROXY_IDENTITY_HEADER!.toLowerCase(),
            allowFrom: e.LOCKOUT_PROXY_ALLOW_FROM,
          }
        : { mode: 'tokens', respondersFile: e.LOCKOUT_RESPONDERS_FILE },
    sessionSecret:
      e.LOCKOUT_SESSION_SECRET ??
      (e.LOCKOUT_LINK_SECRET &&
        createHmac('sha256', e.LOCKOUT_LINK_SECRET)
          .update('lockout status page sessions')
          .digest('base64url')),
    sessionTtlMs: e.LOCKOUT_SESSION_TTL,
    loginLimits: {
      perAddress: e.LOCKOUT_LOGIN_LIMIT_PER_ADDRESS,
      perToken: e.LOCKOUT_LOGIN_LIMIT_PER_TOKEN,
    },
  };
}

/** All of SID, credentials and sender, or none of them (then SMS and voice go to the outbox). */
function twilioConfig(e: Env): Config['twilio'] {
  const given = [
    e.TWILIO_ACCOUNT_SID,
    e.TWILIO_AUTH_TOKEN,
    e.TWILIO_API_KEY_SID,
    e.TWILIO_API_KEY_SECRET,
    e.TWILIO_FROM,
  ];
  if (given.every((v) => v === undefined)) return undefined;
  const problems: string[] = [];
  if (!e.TWILIO_ACCOUNT_SID) problems.push('TWILIO_ACCOUNT_SID: required when any TWILIO_ variable is set');
  if (!e.TWILIO_FROM) problems.push('TWILIO_FROM: required when any TWILIO_ variable is set (sender number)');
  const keyPair = Boolean(e.TWILIO_API_KEY_SID) || Boolean(e.TWILIO_API_KEY_SECRET);
  if (keyPair && !(e.TWILIO_API_KEY_SID && e.TWILIO_API_KEY_SECRET))
    problems.push('TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET: set both, or use TWILIO_AUTH_TOKEN');
  if (!keyPair && !e.TWILIO_AUTH_TOKEN)
    problems.push('TWILIO_AUTH_TOKEN: required (or TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET)');
  if (problems.length) throw new ConfigError(problems);
  return {
    accountSid: e.TWILIO_ACCOUNT_SID!,
    auth: keyPair
      ? { apiKeySid: e.TWILIO_API_KEY_SID!, apiKeySecret: e.TWILIO_API_KEY_SECRET! }
      : { authToken: e.TWILIO_AUTH_TOKEN! },
    from: e.TWILIO_FROM!,
    voiceFrom: e.TWILIO_VOICE_FROM,
    apiUrl: e.TWILIO_API_URL,
  };
}

/** Twilio signs its webhooks with the account's auth token, even when we send with an API key. */
function smsRepliesConfig(e: Env): Config['smsReplies'] {
  if (e.LOCKOUT_SMS_REPLIES === 'off') return undefined;
  const problems: string[] = [];
  if (!e.TWILIO_AUTH_TOKEN)
    problems.push(
      'LOCKOUT_SMS_REPLIES: needs TWILIO_AUTH_TOKEN (Twilio signs the replies it forwards with it)',
    );
  if (!e.TWILIO_ACCOUNT_SID)
    problems.push('LOCKOUT_SMS_REPLIES: needs Twilio configured (TWILIO_ACCOUNT_SID, TWILIO_FROM)');
  if (!e.LOCKOUT_GATEWAY_URL)
    problems.push(
      'LOCKOUT_SMS_REPLIES: needs LOCKOUT_GATEWAY_URL, the public URL Twilio posts to (its signature covers it)',
    );
  if (problems.length) throw new ConfigError(problems);
  return { authToken: e.TWILIO_AUTH_TOKEN! };
}

/** A link to an incident in the Temporal Web UI. */
export function webUiLink(config: Config, incidentId: string): string {
  return `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(incidentId)}`;
}
