/** Where email goes: the configured SMTP server, or a local sink that stores it under the outbox. */
import { join } from 'node:path';
import { startSmtpSink } from '../comms/smtp-sink';
import type { Config } from '../config/env';
import type { EmailSetup } from './activity-deps';

export interface EmailRoute extends EmailSetup {
  /** Human description for start-up output. */
  description: string;
  close(): Promise<void>;
}

/** Where SMS and voice calls go, for start-up output. */
export function smsDescription(config: Config): string {
  return config.twilio
    ? `Twilio account ${config.twilio.accountSid.slice(0, 6)}…, from ${config.twilio.from}` +
        (config.smsReplies
          ? `; replies at ${config.gateway.publicUrl}/twilio/sms`
          : '; replies off (LOCKOUT_SMS_REPLIES)')
    : `no Twilio credentials: SMS and calls are stored in ${join(config.dataDir, 'outbox')}/{sms,voice}/ (not delivered)`;
}

export async function setUpEmail(config: Config): Promise<EmailRoute> {
  if (config.smtp.url) {
    const host = new URL(config.smtp.url).host;
    return {
      url: config.smtp.url,
      mode: 'smtp',
      description: `SMTP server ${host}`,
      close: async () => undefined,
    };
  }
  const outbox = join(config.dataDir, 'outbox', 'email');
  const sink = await startSmtpSink({ port: config.smtp.sinkPort, dir: outbox });
  return {
    url: sink.url,
    mode: 'local-sink',
    description: `no SMTP_URL set: local SMTP sink ${sink.url} stores every message in ${outbox}/`,
    close: () => sink.close(),
  };
}
