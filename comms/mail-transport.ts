/** The SMTP transport: a URL (smtp:// with STARTTLS when offered, or smtps://), and optionally a private CA. */
import nodemailer from 'nodemailer';

export function createMailTransport(url: string, caPem?: string) {
  return nodemailer.createTransport({
    url,
    ...(caPem ? { tls: { ca: caPem } } : {}),
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 60_000,
  });
}
