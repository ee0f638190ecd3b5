/**
 * `POST /twilio/sms`: Twilio's inbound-message webhook for our number. A responder's reply
 * ("ACK 7K2P", "OK 7K2P") confirms the SMS it answers and, for ACK, acknowledges the incident as
 * them. The request must carry Twilio's X-Twilio-Signature over our public URL and the form
 * (checked with the twilio library and the account's auth token); anything else is 403 and
 * changes nothing. The answer is TwiML, so the responder gets a reply SMS with the outcome.
 */
import formbody from '@fastify/formbody';
import type { Client } from '@temporalio/client';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import twilio from 'twilio';
import { sendAction } from '../../client/actions';
import { oneLine } from '../../lib/printable';
import { isTemporalUnavailable } from '../../client/status';
import { openIncidents } from '../../client/open-incidents';
import type { Directory } from '../../comms/directory';
import { messageRepliedTo, parseReply } from '../../comms/sms-reply';
import type { ReceiptInput } from '../../domain/responder-input';
import type { GatewayMetrics } from '../metrics';

export const SMS_REPLY_PATH = '/twilio/sms';
export const VIA_SMS_REPLY = 'SMS reply';

export interface SmsRepliesOptions {
  client: Client;
  /** The Twilio account's auth token: Twilio signs its webhooks with it. */
  authToken: string;
  /** The gateway's public URL as configured in Twilio (LOCKOUT_GATEWAY_URL); part of the signature. */
  publicUrl: string;
  directory(): Directory;
  metrics: GatewayMetrics;
}

function answer(reply: FastifyReply, text: string) {
  const response = new twilio.twiml.MessagingResponse();
  response.message(oneLine(text));
  return reply.type('text/xml').send(response.toString());
}

export const smsRepliesRoutes: FastifyPluginAsync<SmsRepliesOptions> = async (app, options) => {
  await app.register(formbody);
  const url = options.publicUrl.replace(/\/$/, '') + SMS_REPLY_PATH;
  const count = (outcome: string) => options.metrics.smsReplies.inc({ outcome });

  app.post(SMS_REPLY_PATH, async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string>;
    const signature = request.headers['x-twilio-signature'];
    if (
      typeof form !== 'object' ||
      typeof signature !== 'string' ||
      !twilio.validateRequest(options.authToken, signature, url, form)
    ) {
      count('forged');
      request.log.warn({}, 'SMS reply refused: X-Twilio-Signature missing or wrong');
      return reply.status(403).send({ error: 'X-Twilio-Signature: missing or not valid for this request' });
    }
    const from = typeof form.From === 'string' ? form.From.trim() : '';
    const parsed = parseReply(typeof form.Body === 'string' ? form.Body : '');
    if (!parsed.ok) {
      count('not_understood');
      return answer(reply, parsed.reason);
    }

    // Who texted: directory people with this number, or the number itself (outside recipients).
    const people = Object.entries(options.directory().people)
      .filter(([, p]) => p.phone === from)
      .map(([id]) => id);
    const recipients = new Set([...people, from].filter(Boolean));

    let open: Awaited<ReturnType<typeof openIncidents>>;
    try {
      open = await openIncidents(options.client);
    } catch (err) {
      if (!isTemporalUnavailable(err)) throw err;
      count('temporal_unavailable');
      return answer(
        reply,
        'Lockout cannot read incidents right now. Try again in a minute, or use the link in the email.',
      );
    }
    const replied = messageRepliedTo(open.statuses, recipients, parsed.code);
    if ('reason' in replied) {
      count(people.length ? 'refused' : 'unknown_sender');
      return answer(reply, replied.reason);
    }

    const receipt: ReceiptInput = {
      step: replied.step,
      recipient: replied.recipient,
      via: VIA_SMS_REPLY,
      ...(parsed.acknowledge ? { acknowledge: true } : {}),
    };
    const result = await sendAction(options.client, replied.incidentId, 'confirmReceipt', receipt);
    count(result.outcome);
    request.log.info(
      { incidentId: replied.incidentId, step: replied.step, outcome: result.outcome },
      'SMS reply',
    );
    const said = result.outcome === 'refused' ? `Refused: ${result.message}` : result.message;
    return answer(reply, `${replied.incidentId}: ${said}`);
  });
};
