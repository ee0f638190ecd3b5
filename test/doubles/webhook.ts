/**
 * A loopback incoming-webhook endpoint (Slack/Teams style): records each JSON POST and answers
 * 200 "ok", or the scripted answers queued for its path: Slack's documented failures are
 * 400 `invalid_payload`, 403 `action_prohibited`, 404 `channel_not_found`, 410 `no_service`,
 * 429 with Retry-After, and 5xx when Slack itself has trouble.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookPost {
  path: string;
  headers: IncomingHttpHeaders;
  json: unknown;
}

export interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface WebhookDouble {
  url: string;
  posts: WebhookPost[];
  /** The next POSTs to `path` get these answers, in order; afterwards 200 "ok". */
  answer(path: string, ...answers: Answer[]): void;
  /** Called with the body of each post answered 2xx, as it is (the bench times deliveries with it). */
  onAccepted?: (body: string) => void;
  close(): Promise<void>;
}

export async function startWebhookDouble(): Promise<WebhookDouble> {
  const posts: WebhookPost[] = [];
  const scripted = new Map<string, Answer[]>();
  let accepted: WebhookDouble['onAccepted'];
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      const path = req.url ?? '/';
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        res.writeHead(400, { 'content-type': 'text/plain' });
        return res.end('invalid_payload');
      }
      posts.push({ path, headers: req.headers, json });
      const next = scripted.get(path)?.shift() ?? { status: 200, body: 'ok' };
      res.writeHead(next.status, { 'content-type': 'text/plain', ...next.headers });
      res.end(next.body ?? '');
      if (next.status >= 200 && next.status < 300) accepted?.(raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    answer(path, ...answers) {
      scripted.set(path, [...(scripted.get(path) ?? []), ...answers]);
    },
    get onAccepted() {
      return accepted;
    },
    set onAccepted(listener) {
      accepted = listener;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
