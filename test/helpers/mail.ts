/** A real SMTP server on loopback that parses what it receives, for assertions. */
import { simpleParser, type ParsedMail } from 'mailparser';
import { startSmtpSink, type SmtpSink } from '../../comms/smtp-sink';

export interface CaughtMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: ParsedMail['headers'];
  attachments: { filename: string; content: Buffer }[];
}

export interface MailCatcher extends SmtpSink {
  messages: CaughtMail[];
  /** Resolves once `count` messages match, or rejects after `timeoutMs` of real time. */
  waitFor(predicate: (m: CaughtMail) => boolean, count?: number, timeoutMs?: number): Promise<CaughtMail[]>;
}

export async function startMailCatcher(): Promise<MailCatcher> {
  const messages: CaughtMail[] = [];
  const parsing: Promise<void>[] = [];
  const sink = await startSmtpSink({
    onMessage: ({ raw, envelope }) => {
      parsing.push(
        simpleParser(raw).then((mail) => {
          messages.push({
            to: envelope.to,
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
            messageId: mail.messageId ?? '',
            headers: mail.headers,
            attachments: mail.attachments.map((a) => ({ filename: a.filename ?? '', content: a.content })),
          });
        }),
      );
    },
  });
  return {
    ...sink,
    messages,
    async waitFor(predicate, count = 1, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        await Promise.all(parsing);
        const matching = messages.filter(predicate);
        if (matching.length >= count) return matching;
        if (Date.now() > deadline) {
          throw new Error(
            `expected ${count} matching message(s), got ${matching.length}; all subjects: ${messages.map((m) => m.subject).join(' | ')}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
