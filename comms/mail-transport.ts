/**
 * The SMTP transport: a URL (smtp:// with STARTTLS when offered, or smtps://), and optionally a
 * private CA. Pooled: a notification round sends over connections already open instead of paying
 * the connect, greeting and TLS handshake per message (about 100 ms each on loopback alone).
 */
import nodemailer from 'nodemailer';

export function createMailTransport(url: string, caPem?: string) {
  return nodemailer.createTransport({
    url,
    ...(caPem ? { tls: { ca: caPem } } : {}),
    pool: true,
    maxConnections: 4,
    // A connection is replaced after this many messages, and closed by socketTimeout when idle.
    maxMessages: 100,
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 60_000,
  });
}
