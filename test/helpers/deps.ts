/** Activity dependencies for tests: the shipped directory and templates, email to a catcher. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { ActivityDeps } from '../../activities';
import { loadDirectory, type Directory } from '../../comms/directory';
import { loadTemplates } from '../../comms/templates';
import type { ContinuityDeps } from '../../continuity/deps';
import { tlsExpirySource } from '../../continuity/expiry-sources';
import { HooksConfig } from '../../continuity/hooks-config';
import { WatchConfig } from '../../continuity/watch-config';

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

export function testDeps(
  smtpUrl: string,
  overrides: { directory?: Directory; continuity?: Partial<ContinuityDeps> } = {},
): ActivityDeps {
  const directory = overrides.directory ?? loadDirectory(SHIPPED_DIRECTORY);
  const templates = loadTemplates(SHIPPED_TEMPLATES);
  return {
    directory: () => directory,
    templates: () => templates,
    email: {
      transport: nodemailer.createTransport(smtpUrl),
      from: 'Lockout Test <lockout@test.local>',
      mode: 'smtp',
    },
    links: (id) => ({ webUi: `http://ui.test/namespaces/default/workflows/${id}` }),
    continuity: testContinuityDeps(overrides.continuity),
  };
}
