/**
 * A loopback HTTPS server speaking the subset of Twilio's REST API (2010-04-01) that the SMS and
 * voice activities use: create a Message, create a Call. Basic auth with the account SID and
 * auth token (or an API key and secret), form-encoded bodies, JSON answers with a `sid`, and
 * Twilio's error bodies `{code, message, more_info, status}`:
 *   21211 invalid 'To' number (400), 21604 missing 'To' (400), 21603 neither 'From' nor
 *   MessagingServiceSid (400), 21602 missing body (400), 21610 the recipient replied STOP to
 *   this sender (400, messages only), 20003 authentication failed (401), 20429 too many
 *   requests (429, with Retry-After). Codes and texts as on twilio.com/docs/api/errors/<code>.
 * The real `twilio` client talks to it (its API base URL pointed here), over real TLS.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loopbackTls } from '../helpers/loopback-tls';

export interface TwilioRequest {
  method: string;
  path: string;
  form: Record<string, string>;
  username?: string;
}

export interface Fault {
  status: number;
  code: number;
  message: string;
  retryAfter?: string;
}

export interface TwilioDouble {
  url: string;
  /** The CA the client must trust for the double's certificate. */
  ca: string;
  accountSid: string;
  authToken: string;
  requests: TwilioRequest[];
  /** Accepted messages and calls (what a phone would have received). */
  messages: Array<{ sid: string; to: string; from: string; body: string }>;
  calls: Array<{ sid: string; to: string; from: string; twiml: string }>;
  /** Numbers Twilio refuses as invalid (21211), in addition to non-E.164 ones. */
  invalidNumbers: Set<string>;
  /** Numbers that replied STOP: messages to them are refused with 21610 (calls still ring). */
  unsubscribed: Set<string>;
  /** The next `times` create requests get this answer instead. */
  failNext(times: number, fault: Fault): void;
  /** Every message to `to` gets this answer (an outage on one route) until cleared with undefined. */
  faultFor(to: string, fault: Fault | undefined): void;
  /** Called with the text of each message accepted, as it is (the bench times deliveries with it). */
  onAccepted?: (text: string) => void;
  /** Accept an API key (SK…) and its secret as credentials for this account. */
  addApiKey(sid: string, secret: string): void;
  close(): Promise<void>;
}

const hex = (n: number) => randomBytes(n).toString('hex');
const E164 = /^\+[1-9]\d{6,14}$/;

export const TOO_MANY_REQUESTS = (retryAfter = '1'): Fault => ({
  status: 429,
  code: 20429,
  message: 'Too Many Requests',
  retryAfter,
});

export async function startTwilioDouble(): Promise<TwilioDouble> {
  const accountSid = `AC${hex(16)}`;
  const authToken = hex(16);
  const requests: TwilioRequest[] = [];
  const faults: Fault[] = [];
  const apiKeys = new Map<string, string>();
  const routeFaults = new Map<string, Fault>();
  const double: Omit<TwilioDouble, 'url' | 'close'> = {
    ca: loopbackTls().ca,
    accountSid,
    authToken,
    requests,
    messages: [],
    calls: [],
    invalidNumbers: new Set(),
    unsubscribed: new Set(),
    failNext(times, fault) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    faultFor(to, fault) {
      if (fault) routeFaults.set(to, fault);
      else routeFaults.delete(to);
    },
    addApiKey(sid, secret) {
      apiKeys.set(sid, secret);
    },
  };

  const error = (res: ServerResponse, status: number, code: number, message: string, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(
      JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }),
    );
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const path = new URL(req.url ?? '/', 'https://api.twilio.com').pathname;
    const form = Object.fromEntries(new URLSearchParams(raw));
    const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
    const [username, password] = Buffer.from(encoded ?? '', 'base64')
      .toString()
      .split(':');
    requests.push({ method: req.method ?? '', path, form, username });

    const authorised =
      scheme === 'Basic' &&
      ((username === accountSid && password === authToken) ||
        (username !== undefined && apiKeys.get(username) === password));
    const route = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/(Messages|Calls)\.json$/.exec(path);
    if (!authorised || (route && route[1] !== accountSid)) {
      return error(res, 401, 20003, 'Authenticate', { 'www-authenticate': 'Basic realm="Twilio API"' });
    }
    if (!route || req.method !== 'POST') {
      return error(res, 404, 20404, `The requested resource ${path} was not found`);
    }
    const fault = faults.shift() ?? routeFaults.get(form.To ?? '');
    if (fault) {
      return error(
        res,
        fault.status,
        fault.code,
        fault.message,
        fault.retryAfter ? { 'retry-after': fault.retryAfter } : {},
      );
    }
    const { To: to, From: from, MessagingServiceSid: service, Body: body, Twiml: twiml } = form;
    if (!to) return error(res, 400, 21604, "A 'To' phone number is required.");
    if (!E164.test(to) || double.invalidNumbers.has(to))
      return error(res, 400, 21211, `Invalid 'To' Phone Number: ${to.replace(/\d{4}$/, 'XXXX')}`);
    if (!from && !service) return error(res, 400, 21603, "A 'From' phone number is required.");
    const now = new Date().toUTCString();
    const base = {
      account_sid: accountSid,
      api_version: '2010-04-01',
      date_created: now,
      date_updated: now,
      direction: 'outbound-api',
      from: from ?? null,
      to,
      price: null,
      price_unit: 'USD',
    };
    if (route[2] === 'Messages') {
      if (!body) return error(res, 400, 21602, 'Message body is required.');
      if (double.unsubscribed.has(to))
        return error(res, 400, 21610, 'Attempt to send to unsubscribed recipient');
      const sid = `SM${hex(16)}`;
      double.messages.push({ sid, to, from: from ?? service!, body });
      double.onAccepted?.(body);
      res.writeHead(201, { 'content-type': 'application/json' });
      return res.end(
        JSON.stringify({
          ...base,
          sid,
          body,
          status: 'queued',
          messaging_service_sid: service ?? null,
          num_segments: String(Math.ceil(body.length / 153)),
          num_media: '0',
          error_code: null,
          error_message: null,
          date_sent: null,
          uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
        }),
      );
    }
    if (!twiml) return error(res, 400, 21205, 'Url, Twiml or ApplicationSid is required.');
    const sid = `CA${hex(16)}`;
    double.calls.push({ sid, to, from: from!, twiml });
    res.writeHead(201, { 'content-type': 'application/json' });
    return res.end(
      JSON.stringify({
        ...base,
        sid,
        status: 'queued',
        parent_call_sid: null,
        uri: `/2010-04-01/Accounts/${accountSid}/Calls/${sid}.json`,
      }),
    );
  };

  const tls = loopbackTls();
  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => handle(req, res, raw));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...double,
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
