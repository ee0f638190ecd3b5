import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOutbox, type OutboxRecord } from '../comms/outbox';
import { openStore } from '../store/open';
import { writeOutboxRow } from '../store/sent-messages';
import { runCli } from './helpers/cli';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';

const record = (over: Partial<OutboxRecord>): OutboxRecord => ({
  channel: 'sms',
  incidentId: 'lockout-acme-1',
  step: 'notify-ops',
  recipient: { id: 'ana', name: 'Ana Ortiz', address: '+4915100000001' },
  subject: 'SEV1 certificate chain',
  text: 'Salesforce API certificate chain invalid',
  reason: 'Twilio is not configured',
  writtenAt: '2026-11-30T10:00:00.000Z',
  ...over,
});

describe('lockout outbox (the real CLI as a subprocess)', function () {
  this.timeout(120_000);
  let postgres: TestPostgres | undefined;
  after(() => postgres?.stop());

  it('lists what the data directory keeps, newest first, the local SMTP sink’s email too, and filters', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lockout-outbox-'));
    const outbox = join(dataDir, 'outbox');
    writeOutbox(outbox, 'k1', record({}));
    writeOutbox(
      outbox,
      'k2',
      record({ channel: 'voice', incidentId: 'lockout-acme-2', writtenAt: '2026-11-30T11:00:00.000Z' }),
    );
    // A hostile subject cannot move the terminal's cursor.
    writeOutbox(
      outbox,
      'k3',
      record({
        channel: 'webhook',
        subject: 'evil\u001b[2J\nsecond line',
        writtenAt: '2026-11-30T09:00:00.000Z',
      }),
    );
    mkdirSync(join(outbox, 'email'), { recursive: true });
    writeFileSync(
      join(outbox, 'email', '2026-11-30T12-00-00-000Z-abcd.eml'),
      [
        'From: lockout <lockout@example.com>',
        'To: Chloe Martin <chloe.martin@example.com>',
        'Subject: Stakeholder update',
        'Date: Mon, 30 Nov 2026 12:00:00 +0000',
        'X-Lockout-Incident: lockout-acme-1',
        'X-Lockout-Step: notify-stakeholders',
        '',
        'body',
      ].join('\r\n'),
    );
    writeFileSync(join(outbox, 'sms', 'half.json'), '{"channel":'); // half-written: skipped

    const env = { LOCKOUT_DATA_DIR: dataDir, LOCKOUT_DATABASE_URL: '' };
    const all = await runCli(['outbox', '--json'], env);
    assert.equal(all.code, 0, all.stderr);
    const listed = JSON.parse(all.stdout) as {
      channel: string;
      incidentId: string;
      step: string;
      to: string;
    }[];
    assert.deepEqual(
      listed.map((e) => [e.channel, e.incidentId, e.step]),
      [
        ['email', 'lockout-acme-1', 'notify-stakeholders'],
        ['voice', 'lockout-acme-2', 'notify-ops'],
        ['sms', 'lockout-acme-1', 'notify-ops'],
        ['webhook', 'lockout-acme-1', 'notify-ops'],
      ],
    );
    assert.equal(listed[2]!.to, 'Ana Ortiz <+4915100000001>');

    const one = await runCli(['outbox', '--incident', 'acme-1', '--channel', 'sms'], env);
    assert.equal(one.code, 0, one.stderr);
    assert.match(
      one.stdout,
      /^WRITTEN\s+CHANNEL\s+INCIDENT\s+STEP\s+TO\s+SUBJECT\n2026-11-30T10:00:00\s+sms\s+lockout-acme-1/,
    );
    assert.match(one.stdout, /\(1 from .*outbox\)\n$/);

    const text = await runCli(['outbox', '--channel', 'webhook'], env);
    assert.ok(!text.stdout.includes('\u001b'), 'no escape sequence reaches the terminal');
    assert.equal(text.stdout.split('\n').filter((l) => l.includes('evil')).length, 1, 'one line per message');

    const bad = await runCli(['outbox', '--limit', '0'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--limit 0: must be an integer from 1 to 10000/);
    const badChannel = await runCli(['outbox', '--channel', 'pigeon'], env);
    assert.notEqual(badChannel.code, 0);
    assert.match(badChannel.stderr, /pigeon/);

    const empty = await runCli(['outbox'], {
      ...env,
      LOCKOUT_DATA_DIR: mkdtempSync(join(tmpdir(), 'lockout-outbox-')),
    });
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stdout, /^No messages in the outbox/);
  });

  it('lists the shared store’s outbox with LOCKOUT_DATABASE_URL (real PostgreSQL)', async () => {
    postgres = await startTestPostgres();
    const url = await postgres.createDatabase('outbox_cli');
    const { db } = await openStore({ kind: 'postgresql', url });
    try {
      await writeOutboxRow(db, 'key-a', { ...record({}) });
      await writeOutboxRow(db, 'key-b', { ...record({ channel: 'voice', incidentId: 'lockout-acme-2' }) });
    } finally {
      await db.close();
    }
    const env = {
      LOCKOUT_DATABASE_URL: url,
      LOCKOUT_DATA_DIR: mkdtempSync(join(tmpdir(), 'lockout-outbox-')),
    };
    const all = await runCli(['outbox', '--json'], env);
    assert.equal(all.code, 0, all.stderr);
    const listed = JSON.parse(all.stdout) as { channel: string; where: string }[];
    assert.deepEqual(listed.map((e) => e.channel).sort(), ['sms', 'voice']);
    assert.ok(listed.every((e) => e.where.startsWith('outbox:key-')));
    const voice = await runCli(['outbox', '--incident', 'lockout-acme-2', '--json'], env);
    assert.deepEqual(
      (JSON.parse(voice.stdout) as { channel: string }[]).map((e) => e.channel),
      ['voice'],
    );
  });
});
