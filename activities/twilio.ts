/**
 * SMS and voice calls through Twilio. Voice reads the template's short `sms` text (TwiML
 * <Say>), twice, for the top escalation level of a sev1. Twilio's documented errors decide
 * what happens next: an invalid or unreachable number is permanent (next channel), 429 is
 * retried after Retry-After, 5xx and network errors are retried with backoff.
 */
import { log } from '@temporalio/activity';
import twilio from 'twilio';
import { replyCode, replyHint } from '../comms/sms-reply';
import type { ActivityDeps, TwilioConfig } from './deps';
import { permanent, rateLimited, transient } from './failures';
import {
  accepted,
  outboxed,
  prepareMessage,
  type DeliveryReceipt,
  type PreparedMessage,
  type SendInput,
} from './message';

/** Twilio error codes that no retry can fix: the number, or our account's permission for it. */
const PERMANENT_CODES = new Set([
  21211, // invalid 'To' number
  21214, // 'To' number cannot be reached
  21217, // not a valid phone number (voice)
  21408, // permission to send to this region not enabled
  21610, // recipient replied STOP
  21612, // 'To' number not reachable by this 'From'
  21614, // 'To' is not a mobile number
  20003, // authentication failed: fix the credentials
  20404, // account or resource not found
]);

interface TwilioRestError {
  status?: number;
  code?: number;
  message?: string;
  moreInfo?: string;
}

/** A client per send: its last response (for Retry-After) then belongs to this send alone. */
function clientFor(config: TwilioConfig) {
  const [username, password] =
    'authToken' in config.auth
      ? [config.accountSid, config.auth.authToken]
      : [config.auth.apiKeySid, config.auth.apiKeySecret];
  const client = twilio(username, password, {
    accountSid: config.accountSid,
    ca: config.ca,
    timeout: 20_000,
  });
  if (config.apiUrl) client.api.baseUrl = config.apiUrl;
  return client;
}

async function callTwilio<T>(
  client: ReturnType<typeof clientFor>,
  what: string,
  request: () => Promise<T>,
): Promise<T> {
  try {
    return await request();
  } catch (err) {
    const e = err as TwilioRestError;
    const reason = `${what}: Twilio ${e.status ?? 'error'}${e.code ? ` ${e.code}` : ''}: ${e.message ?? String(err)}`;
    if (e.status === 429 || e.code === 20429)
      throw rateLimited(reason, client.httpClient.lastResponse?.headers?.['retry-after']);
    if (
      (e.code !== undefined && PERMANENT_CODES.has(e.code)) ||
      (e.status && e.status >= 400 && e.status < 500)
    )
      throw permanent(reason, 'PermanentDeliveryError');
    throw transient(reason, 'TwilioError');
  }
}

function phoneOf(prepared: PreparedMessage): string {
  const { recipient } = prepared.input;
  if (!recipient.phone) throw permanent(`${recipient.id} has no phone number`, 'NoContactPoint');
  if (!prepared.message.sms)
    throw permanent(
      `template ${prepared.input.template} has no sms text for ${prepared.channel}`,
      'TemplateError',
    );
  return recipient.phone;
}

/** TwiML that reads the message twice, with a pause, so a half-awake responder catches it. */
export function voiceTwiml(text: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say({ voice: 'alice', language: 'en-GB' }, text);
  response.pause({ length: 1 });
  response.say({ voice: 'alice', language: 'en-GB' }, `Again: ${text}`);
  return response.toString();
}

export function twilioActivities(deps: ActivityDeps) {
  return {
    async sendSms(input: SendInput): Promise<DeliveryReceipt> {
      const prepared = await prepareMessage(deps, 'sms', input);
      const to = phoneOf(prepared);
      if (prepared.earlier) return prepared.earlier;
      const text = prepared.message.sms!;
      const body = deps.messaging.smsReplies
        ? `${text} ${replyHint(replyCode(input.incidentId, input.step))}`
        : text;
      const config = deps.messaging.twilio;
      if (!config) return await outboxed(deps, prepared, to, 'no Twilio credentials');
      const client = clientFor(config);
      const sender = config.from.startsWith('MG')
        ? { messagingServiceSid: config.from }
        : { from: config.from };
      const message = await callTwilio(client, 'SMS', () => client.messages.create({ to, body, ...sender }));
      log.info('sms accepted', { incidentId: input.incidentId, step: input.step, messageId: message.sid });
      // Segments (and the price, once Twilio reports one) are what the crisis budget counts.
      const cost = `${message.numSegments ?? '1'} segment(s)${message.price ? `, price ${message.price} ${message.priceUnit}` : ''}`;
      return await accepted(deps, prepared, message.sid, `Twilio ${message.status}, ${cost}`);
    },

    async placeVoiceCall(input: SendInput): Promise<DeliveryReceipt> {
      const prepared = await prepareMessage(deps, 'voice', input);
      const to = phoneOf(prepared);
      if (prepared.earlier) return prepared.earlier;
      const twiml = voiceTwiml(prepared.message.sms!);
      const config = deps.messaging.twilio;
      if (!config) return await outboxed(deps, prepared, to, 'no Twilio credentials', { twiml });
      const from = config.voiceFrom ?? config.from;
      if (from.startsWith('MG'))
        throw permanent('voice needs a caller number: set TWILIO_VOICE_FROM', 'ChannelMisconfigured');
      const client = clientFor(config);
      const call = await callTwilio(client, 'voice call', () => client.calls.create({ to, from, twiml }));
      log.info('voice call placed', { incidentId: input.incidentId, step: input.step, messageId: call.sid });
      return await accepted(deps, prepared, call.sid, `Twilio call ${call.status}`);
    },
  };
}
