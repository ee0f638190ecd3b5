/**
 * A local SMTP server that accepts every message and stores it as an .eml file: the outbox used
 * when no SMTP server is configured, and the mail catcher the tests assert against.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface SinkMessage {
  raw: Buffer;
  envelope: { from: string; to: string[] };
  file?: string;
}

export interface SmtpSinkOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Store each message here as <time>-<random>.eml. */
  dir?: string;
  onMessage?: (message: SinkMessage) => void;
  /** A client's connection failed (reset, timed out); the sink keeps serving the others. */
  onConnectionError?: (err: Error) => void;
}

export interface SmtpSink {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const host = options.host ?? '127.0.0.1';
  if (options.dir) mkdirSync(options.dir, { recursive: true });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Only loopback senders: asking DNS who 127.0.0.1 is cost every message about 100 ms.
    disableReverseLookup: true,
    // Workers keep pooled connections open: closing waits this long for them, not 30 s.
    closeTimeout: 1_000,
    banner: 'lockout-runbook local outbox',
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        let file: string | undefined;
        try {
          if (options.dir) {
            const fileName = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`;
            file = join(options.dir, fileName);
            writeFileSync(`${file}.tmp`, raw);
            renameSync(`${file}.tmp`, file);
          }
          options.onMessage?.({ raw, envelope, file });
          callback(null, file ? `stored as ${basename(file)}` : 'accepted');
        } catch (err) {
          callback(err as Error);
        }
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  // smtp-server emits a client's failed connection (a worker killed mid-message, a port scan's
  // reset) as 'error' on the server: unheard, that event would end the whole process.
  server.removeAllListeners('error');
  server.on('error', (err: Error) => options.onConnectionError?.(err));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    url: `smtp://${host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
