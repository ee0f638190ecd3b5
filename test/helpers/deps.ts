/** Activity dependencies for tests: the shipped directory and templates, email to a catcher. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { ActivityDeps } from '../../activities';
import { statusQuery } from '../../workflows/messages';
import type { TwilioConfig } from '../../activities/deps';
import { loadDirectory, type Directory } from '../../comms/directory';
import { createMailTransport } from '../../comms/mail-transport';
import { fileLedger } from '../../comms/sent-ledger';
import { loadTemplates } from '../../comms/templates';
import type { ContinuityDeps } from '../../activities/continuity-deps';
import { tlsExpirySource } from '../../expiry/expiry-sources';
import { HooksConfig } from '../../hooks/hooks-config';
import { WatchConfig } from '../../expiry/watch-config';
import type { SalesforceDeps } from '../../salesforce/deps';
import type { LinkSettings } from '../../links/issue';

const ROOT = join(__dirname, '..', '..');
export const SHIPPED_DIRECTORY = join(ROOT, 'config', 'directory.yaml');
export const SHIPPED_TEMPLATES = join(ROOT, 'templates');
export const SHIPPED_RUNBOOKS = join(ROOT, 'runbooks');

/** Nothing watched, no hooks, journeys in a fresh temporary directory, no Temporal client. */
export function testContinuityDeps(overrides: Partial<ContinuityDeps> = {}): ContinuityDeps {
  const watch = WatchConfig.parse({});
  const watchConfig = overrides.watchConfig ?? (() => watch);
  const hooks = HooksConfig.parse({});
  return {
    watchConfig,
    expirySources: [tlsExpirySource(watchConfig)],
    hooks: () => hooks,
    allowedCommands: [],
    secrets: {},
    journeysFile: join(mkdtempSync(join(tmpdir(), 'lockout-journeys-')), 'journeys.json'),
    ...overrides,
  };
}

export interface TestDepsOverrides {
  /** Signed one-click links in messages (absent: none issued, as without LOCKOUT_LINK_SECRET). */
  links?: LinkSettings;
  directory?: Directory;
  /** Twilio pointed at a loopback double; absent → SMS and voice go to the outbox. */
  twilio?: TwilioConfig;
  /** SMS carry the reply hint (LOCKOUT_SMS_REPLIES=on). */
  smsReplies?: boolean;
  /** Values for `urlEnv` names in the directory (webhook URLs). */
  secrets?: Record<string, string>;
  /** CA (PEM) the SMTP client trusts, for TLS tests. */
  smtpCa?: string;
  /** Outbox and sent-ledger live here (a fresh temporary directory by default). */
  dataDir?: string;
  continuity?: Partial<ContinuityDeps>;
  /** Lets report templates read the incident's full timeline (otherwise they print it empty). */
  client?: Client;
  /** Salesforce through a session on the loopback double; absent → "not configured". */
  salesforce?: SalesforceDeps;
}

export function testDeps(smtpUrl: string, overrides: TestDepsOverrides = {}): ActivityDeps {
  const directory = overrides.directory ?? loadDirectory(SHIPPED_DIRECTORY);
  const templates = loadTemplates(SHIPPED_TEMPLATES);
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'lockout-test-data-'));
  return {
    directory: () => directory,
    templates: () => templates,
    email: {
      transport: createMailTransport(smtpUrl, overrides.smtpCa),
      from: 'Lockout Test <lockout@test.local>',
      mode: 'smtp',
    },
    links: (id) => ({ webUi: `http://ui.test/namespaces/default/workflows/${id}` }),
    ...(overrides.client
      ? { incidentStatus: (id: string) => overrides.client!.workflow.getHandle(id).query(statusQuery) }
      : {}),
    messaging: {
      outboxDir: join(dataDir, 'outbox'),
      sent: fileLedger(join(dataDir, 'sent')),
      twilio: overrides.twilio,
      smsReplies: overrides.smsReplies,
      secret: (name) => overrides.secrets?.[name],
    },
    continuity: testContinuityDeps(overrides.continuity),
    salesforce: overrides.salesforce,
    signedLinks: overrides.links,
  };
}
