/** Activity dependencies for tests: the shipped directory and templates, email to a catcher. */
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { ActivityDeps } from '../../activities';
import { loadDirectory, type Directory } from '../../comms/directory';
import { loadTemplates } from '../../comms/templates';
import type { SalesforceDeps } from '../../salesforce/deps';

const ROOT = join(__dirname, '..', '..');
export const SHIPPED_DIRECTORY = join(ROOT, 'config', 'directory.yaml');
export const SHIPPED_TEMPLATES = join(ROOT, 'templates');
export const SHIPPED_RUNBOOKS = join(ROOT, 'runbooks');

export function testDeps(
  smtpUrl: string,
  overrides: { directory?: Directory; salesforce?: SalesforceDeps } = {},
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
    salesforce: overrides.salesforce,
  };
}
