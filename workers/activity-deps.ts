/** Builds what the activities need from configuration: directory, templates, mail transport. */
import nodemailer from 'nodemailer';
import type { ActivityDeps } from '../activities';
import { loadDirectory } from '../comms/directory';
import { loadTemplates } from '../comms/templates';
import { webUiLink, type Config } from '../config/env';
import { dirStamp, live, mtimeStamp } from '../config/live';
import type { Logger } from '../config/logger';
import { continuityDeps } from '../continuity/from-config';
import { intakeFromConfig } from '../gateway/intake-setup';
import { lazyClient } from '../temporal/connection';

export interface EmailSetup {
  /** SMTP URL to send through; the local sink's URL when no server is configured. */
  url: string;
  mode: 'smtp' | 'local-sink';
}

export function activityDeps(config: Config, email: EmailSetup, logger: Logger): ActivityDeps {
  const report = (what: string) => (err: Error) =>
    logger.error({ err: err.message }, `${what} has errors; still using the last good version`);
  return {
    directory: live(
      () => mtimeStamp(config.directoryFile),
      () => loadDirectory(config.directoryFile),
      report('directory'),
    ),
    templates: live(
      () => dirStamp(config.templatesDir),
      () => loadTemplates(config.templatesDir),
      report('templates'),
    ),
    email: { transport: nodemailer.createTransport(email.url), from: config.smtp.from, mode: email.mode },
    links: (incidentId) => ({ webUi: webUiLink(config, incidentId) }),
    continuity: continuityDeps(config, {
      logger,
      intake: intakeFromConfig(config, lazyClient(config), logger),
    }),
  };
}
