/**
 * The providers a configured incident worker sends to, on loopback: Twilio's REST API (the real
 * twilio client against test/doubles/twilio.ts, over real TLS) and the chat webhooks
 * (test/doubles/webhook.ts). Notes when each incident's first SMS or post was accepted.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startTwilioDouble } from '../test/doubles/twilio';
import { startWebhookDouble } from '../test/doubles/webhook';

export interface Providers {
  /** What a worker needs to send through them: Twilio credentials and URL, webhook URLs, the CA. */
  env: Record<string, string>;
  /** Messages and posts accepted so far. */
  readonly accepted: number;
  /** Resolves with the time (performance.now()) the first SMS or post naming the incident was accepted. */
  firstAccepted(incidentId: string): Promise<number>;
  close(): Promise<void>;
}

/** Every webhook variable the shipped directory names (config/directory.yaml). */
const WEBHOOK_VARIABLES = [
  'SLACK_OPS_WEBHOOK_URL',
  'SLACK_LUCAS_WEBHOOK_URL',
  'TEAMS_LEADERSHIP_WEBHOOK_URL',
];

/** The incident id as a whole word of a message (lockout-x-1 must not match lockout-x-10). */
function names(text: string, incidentId: string): boolean {
  const at = text.indexOf(incidentId);
  if (at < 0) return false;
  const after = text[at + incidentId.length];
  return after === undefined || !/[\w-]/.test(after) || names(text.slice(at + 1), incidentId);
}

export async function startProviders(dir: string): Promise<Providers> {
  const [twilio, hooks] = await Promise.all([startTwilioDouble(), startWebhookDouble()]);
  const arrivals: Array<{ text: string; at: number }> = [];
  const waiting = new Map<string, (at: number) => void>();
  const arrived = (text: string) => {
    const at = performance.now();
    arrivals.push({ text, at });
    for (const [id, resolve] of waiting)
      if (names(text, id)) {
        waiting.delete(id);
        resolve(at);
      }
  };
  twilio.onAccepted = arrived;
  hooks.onAccepted = arrived;
  const caFile = join(dir, 'twilio-double-ca.pem');
  writeFileSync(caFile, twilio.ca);
  return {
    env: {
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+15555550100',
      TWILIO_API_URL: twilio.url,
      // Read by Node at the worker's start: the twilio client trusts the double's certificate.
      NODE_EXTRA_CA_CERTS: caFile,
      LOCKOUT_SMS_REPLIES: 'off',
      ...Object.fromEntries(WEBHOOK_VARIABLES.map((v) => [v, `${hooks.url}/hooks/${v.toLowerCase()}`])),
    },
    get accepted() {
      return arrivals.length;
    },
    firstAccepted(incidentId) {
      const earlier = arrivals.find((a) => names(a.text, incidentId));
      if (earlier) return Promise.resolve(earlier.at);
      return new Promise((resolve) => waiting.set(incidentId, resolve));
    },
    async close() {
      await Promise.all([twilio.close(), hooks.close()]);
    },
  };
}
