import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { emailMessageId } from '../activities/email';
import { loadDirectory, resolveTarget } from '../comms/directory';
import { runChannelActivity, sendInput } from './helpers/channels';
import { SHIPPED_DIRECTORY, testDeps } from './helpers/deps';
import { loopbackTls } from './helpers/loopback-tls';
import { startLocalTemporal } from './helpers/temporal';

interface Received {
  messageId: string;
  subject: string;
  /** The session was encrypted when the message was sent. */
  secure: boolean;
  user?: string;
  accepted: boolean;
}

interface TestSmtp {
  port: number;
  received: Received[];
  close(): Promise<void>;
}

/**
 * A real SMTP server with the test certificate: implicit TLS (`secure`) or STARTTLS, AUTH with
 * one account, an address it rejects with 550, and optionally one 451 at the end of DATA.
 */
async function startSmtp(options: {
  secure: boolean;
  rejectTo?: string;
  tempFailOnce?: boolean;
}): Promise<TestSmtp> {
  const received: Received[] = [];
  let tempFailures = options.tempFailOnce ? 1 : 0;
  const tls = loopbackTls();
  const config: SMTPServerOptions = {
    // Workers keep pooled connections open: closing waits this long for them, not 30 s.
    closeTimeout: 500,
    secure: options.secure,
    key: tls.key,
    cert: tls.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'lockout' && auth.password === 's3cret')
        return callback(null, { user: auth.username });
      return callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      if (address.address === options.rejectTo)
        return callback(Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 }));
      return callback();
    },
    onData(stream, session, callback) {
      void simpleParser(stream).then((mail) => {
        const accepted = tempFailures-- <= 0;
        received.push({
          messageId: mail.messageId ?? '',
          subject: mail.subject ?? '',
          secure: session.secure,
          user: session.user as string | undefined,
          accepted,
        });
        if (accepted) return callback();
        return callback(Object.assign(new Error('4.3.0 try again later'), { responseCode: 451 }));
      }, callback);
    },
  };
  const server = new SMTPServer(config);
  // A client that refuses our certificate hangs up mid-handshake: expected in one test.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('email channel (real SMTP server over TLS, dev server)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  const [ana] = resolveTarget(loadDirectory(SHIPPED_DIRECTORY), 'person:ana');
  const { ca } = loopbackTls();

  before(async () => {
    env = await startLocalTemporal();
  });
  after(async () => {
    await env?.teardown();
  });

  async function withSmtp(options: Parameters<typeof startSmtp>[0], fn: (smtp: TestSmtp) => Promise<void>) {
    const smtp = await startSmtp(options);
    try {
      await fn(smtp);
    } finally {
      await smtp.close();
    }
  }

  it('sends over implicit TLS (smtps) with AUTH, with the deterministic Message-ID', async () => {
    await withSmtp({ secure: true }, async (smtp) => {
      const deps = testDeps(`smtps://lockout:s3cret@localhost:${smtp.port}`, { smtpCa: ca });
      const outcome = await runChannelActivity(env, deps, 'sendEmail', sendInput(ana!));
      assert.ok(outcome.ok, JSON.stringify(outcome));
      assert.equal(smtp.received.length, 1);
      const [mail] = smtp.received;
      assert.equal(mail!.secure, true);
      assert.equal(mail!.user, 'lockout');
      assert.equal(
        mail!.messageId,
        emailMessageId('lockout-channel-test', 'notify-ops', 'ana', '2026-11-26T02:14:00.000Z'),
      );
      assert.equal(outcome.receipt.messageId, mail!.messageId);
      assert.match(mail!.subject, /\[SEV1\] Salesforce integration lockout/);
    });
  });

  it('upgrades a plain connection with STARTTLS before authenticating', async () => {
    await withSmtp({ secure: false }, async (smtp) => {
      const deps = testDeps(`smtp://lockout:s3cret@localhost:${smtp.port}`, { smtpCa: ca });
      const outcome = await runChannelActivity(env, deps, 'sendEmail', sendInput(ana!));
      assert.ok(outcome.ok, JSON.stringify(outcome));
      assert.equal(smtp.received[0]!.secure, true);
    });
  });

  it('does not trust a server certificate from an unknown CA', async () => {
    await withSmtp({ secure: true }, async (smtp) => {
      const deps = testDeps(`smtps://lockout:s3cret@localhost:${smtp.port}`);
      const outcome = await runChannelActivity(env, deps, 'sendEmail', sendInput(ana!), 2);
      assert.ok(!outcome.ok);
      assert.match(outcome.message, /self.signed|unable to verify|certificate/i);
      assert.equal(smtp.received.length, 0);
    });
  });

  it('treats a refused login as permanent (no retries)', async () => {
    await withSmtp({ secure: true }, async (smtp) => {
      const deps = testDeps(`smtps://lockout:wrong@localhost:${smtp.port}`, { smtpCa: ca });
      const outcome = await runChannelActivity(env, deps, 'sendEmail', sendInput(ana!));
      assert.ok(!outcome.ok);
      assert.equal(outcome.nonRetryable, true);
      assert.match(outcome.message, /535/);
    });
  });

  it('retries a 451 and sends the same Message-ID again', async () => {
    await withSmtp({ secure: true, tempFailOnce: true }, async (smtp) => {
      const deps = testDeps(`smtps://lockout:s3cret@localhost:${smtp.port}`, { smtpCa: ca });
      const outcome = await runChannelActivity(env, deps, 'sendEmail', sendInput(ana!));
      assert.ok(outcome.ok, JSON.stringify(outcome));
      assert.deepEqual(
        smtp.received.map((r) => r.accepted),
        [false, true],
      );
      assert.equal(smtp.received[0]!.messageId, smtp.received[1]!.messageId);
      assert.match(outcome.receipt.detail, /attempt 2/);
    });
  });

  it('gives up at once on a 550 rejected recipient, so the next channel can be tried', async () => {
    await withSmtp({ secure: true, rejectTo: 'ana.ortiz@example.com' }, async (smtp) => {
      const deps = testDeps(`smtps://lockout:s3cret@localhost:${smtp.port}`, { smtpCa: ca });
      const outcome = await runChannelActivity(env, deps, 'sendEmail', sendInput(ana!));
      assert.ok(!outcome.ok);
      assert.equal(outcome.nonRetryable, true);
      assert.equal(outcome.type, 'PermanentDeliveryError');
      assert.match(outcome.message, /550/);
      assert.equal(smtp.received.length, 0);
    });
  });

  it("tells a recurring fingerprint's new incident again, and never sends one incident's message twice", async () => {
    await withSmtp({ secure: true }, async (smtp) => {
      // One data directory, so one sent ledger, as on a real deployment.
      const deps = testDeps(`smtps://lockout:s3cret@localhost:${smtp.port}`, { smtpCa: ca });
      const first = sendInput(ana!);
      const sent = await runChannelActivity(env, deps, 'sendEmail', first);
      assert.ok(sent.ok, JSON.stringify(sent));
      const repeat = await runChannelActivity(env, deps, 'sendEmail', first);
      assert.ok(repeat.ok && /not sent again/.test(repeat.receipt.detail), JSON.stringify(repeat));
      // The same fingerprint fires again after its incident closed: same id, a new instance.
      const reopened = sendInput(ana!, {
        status: { ...first.status, detectedAt: '2026-11-27T08:00:00.000Z', incidentId: first.incidentId },
      });
      const next = await runChannelActivity(env, deps, 'sendEmail', reopened);
      assert.ok(next.ok, JSON.stringify(next));
      assert.doesNotMatch(next.receipt.detail, /not sent again/);
      assert.equal(
        smtp.received.filter((r) => r.accepted).length,
        2,
        'the first incident once, the new one once',
      );
      assert.notEqual(smtp.received[0]!.messageId, smtp.received[1]!.messageId);
    });
  });

  it('does not send again when the sent ledger cannot be written after the server accepted', async () => {
    await withSmtp({ secure: true }, async (smtp) => {
      const deps = testDeps(`smtps://lockout:s3cret@localhost:${smtp.port}`, { smtpCa: ca });
      deps.messaging.sent = {
        describe: 'a read-only ledger',
        get: async () => undefined,
        claim: async () => ({ kind: 'claimed' }),
        put: async () => {
          throw new Error('EROFS: read-only file system');
        },
      };
      const outcome = await runChannelActivity(env, deps, 'sendEmail', sendInput(ana!));
      assert.ok(outcome.ok, JSON.stringify(outcome));
      assert.equal(outcome.receipt.outcome, 'delivered');
      assert.equal(smtp.received.length, 1, 'sent once');
    });
  });
});
