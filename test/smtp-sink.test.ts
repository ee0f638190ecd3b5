/**
 * The local SMTP sink (`npm start` without SMTP_URL, and the tests' mail catcher) outlives its
 * clients: a connection reset mid-session (a worker killed while sending, a port scan) is reported
 * to it and the sink keeps accepting mail. Real sockets, real nodemailer.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createMailTransport } from '../comms/mail-transport';
import { startSmtpSink, type SinkMessage } from '../comms/smtp-sink';

/** Greets, starts a message (MAIL FROM accepted), then resets the connection (RST). */
function resetInsideTransaction(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', reject);
    let heard = '';
    const steps = [
      { after: /^220 /m, send: 'EHLO scanner.example\r\n' },
      { after: /^250 /m, send: 'MAIL FROM:<a@example.com>\r\n' },
      { after: /^250 /m, send: undefined },
    ];
    socket.on('data', (chunk: Buffer) => {
      heard += chunk.toString();
      const step = steps[0];
      if (!step || !step.after.test(heard)) return;
      steps.shift();
      heard = '';
      if (step.send) socket.write(step.send);
      else {
        socket.resetAndDestroy();
        resolve();
      }
    });
  });
}

describe('the local SMTP sink (real sockets)', function () {
  this.timeout(30_000);

  it('keeps serving after clients reset their connections mid-session', async () => {
    const messages: SinkMessage[] = [];
    const errors: Error[] = [];
    const sink = await startSmtpSink({
      onMessage: (m) => messages.push(m),
      onConnectionError: (err) => errors.push(err),
    });
    try {
      // Inside a transaction (after MAIL FROM is accepted): smtp-server reports a reset there.
      for (let i = 0; i < 3; i++) await resetInsideTransaction(sink.port);
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(errors.length >= 1, 'the resets were reported to the sink');
      assert.ok(
        errors.every((e) => /ECONNRESET|EPIPE|socket/i.test(e.message)),
        errors.map(String).join('; '),
      );

      const transport = createMailTransport(sink.url);
      await transport.sendMail({
        from: 'a@example.com',
        to: 'b@example.com',
        subject: 'still here',
        text: 'x',
      });
      transport.close();
      assert.equal(messages.length, 1);
      assert.match(messages[0]!.raw.toString(), /Subject: still here/);
    } finally {
      await sink.close();
    }
  });
});
