import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directory, loadDirectory, resolveTarget, targetProblem, webhookOf } from '../comms/directory';
import { onCallAt, Rota } from '../comms/rota';
import { FileProblems } from '../lib/yaml-file';
import { SHIPPED_DIRECTORY } from './helpers/deps';

/** Two 12-hour shifts a day, handed over at 08:00 and 20:00 Berlin time, one override. */
const engineering = Rota.parse({
  timezone: 'Europe/Berlin',
  handoffs: ['20:00', '08:00'],
  start: '2026-03-02',
  order: ['emil', 'farah', 'ana'],
  overrides: [
    { from: '2026-03-03T20:00:00+01:00', to: '2026-03-04T08:00:00+01:00', person: 'ben', reason: 'swap' },
  ],
});

describe('on-call rotas', () => {
  it('hands the shift to the next person at the local handoff time', () => {
    // 2026-03-02 08:00 CET (07:00Z) is the first handoff: emil; 20:00 CET: farah.
    assert.equal(
      onCallAt(engineering, '2026-03-02T06:59:00Z').person,
      'ana',
      'before the first handoff wraps',
    );
    assert.deepEqual(onCallAt(engineering, '2026-03-02T07:00:00Z'), {
      person: 'emil',
      since: '2026-03-02T07:00:00.000Z',
      until: '2026-03-02T19:00:00.000Z',
    });
    assert.equal(onCallAt(engineering, '2026-03-02T18:59:59Z').person, 'emil');
    assert.equal(onCallAt(engineering, '2026-03-02T19:00:00Z').person, 'farah');
    assert.equal(onCallAt(engineering, '2026-03-03T07:30:00Z').person, 'ana');
  });

  it('lets an override win for its period only', () => {
    // Without the override, 2026-03-03 20:00 CET would be emil's shift (4th handoff).
    const during = onCallAt(engineering, '2026-03-03T23:00:00Z');
    assert.equal(during.person, 'ben');
    assert.deepEqual(during.override, { reason: 'swap' });
    assert.equal(during.until, '2026-03-04T07:00:00.000Z');
    assert.equal(onCallAt(engineering, '2026-03-04T07:00:00Z').person, 'farah', 'rotation resumes at "to"');
    const noOverride = Rota.parse({ ...engineering, overrides: [] });
    assert.equal(onCallAt(noOverride, '2026-03-03T23:00:00Z').person, 'emil');
  });

  it('keeps handoffs at local time across a daylight-saving change', () => {
    // Berlin moves to CEST on 2026-03-29: the 08:00 handoff is 07:00Z before and 06:00Z after.
    const before = onCallAt(engineering, '2026-03-28T07:00:00Z');
    const after = onCallAt(engineering, '2026-03-30T06:00:00Z');
    assert.equal(before.since, '2026-03-28T07:00:00.000Z');
    assert.equal(after.since, '2026-03-30T06:00:00.000Z');
    // Two days later means four handoffs later, whatever the clocks did in between.
    assert.equal(after.person, engineering.order[(engineering.order.indexOf(before.person) + 4) % 3]);
  });

  it('runs weekly rotas from a weekday handoff', () => {
    const weekly = Rota.parse({
      timezone: 'Europe/Paris',
      handoffs: ['monday 09:00'],
      start: '2026-01-05',
      order: ['chloe', 'greta'],
    });
    assert.equal(onCallAt(weekly, '2026-01-05T08:00:00Z').person, 'chloe');
    assert.equal(onCallAt(weekly, '2026-01-12T07:59:00Z').person, 'chloe');
    const next = onCallAt(weekly, '2026-01-12T08:00:00Z');
    assert.deepEqual(next, {
      person: 'greta',
      since: '2026-01-12T08:00:00.000Z',
      until: '2026-01-19T08:00:00.000Z',
    });
  });

  it('refuses rotas it could not resolve, naming the field', () => {
    const result = Rota.safeParse({
      timezone: 'Europe/Berlln',
      handoffs: ['09:00', 'monday 09:00', '9am'],
      start: '2026-13-01',
      order: [],
      overrides: [{ from: '2026-03-04T08:00:00+01:00', to: '2026-03-03T20:00:00+01:00', person: 'ben' }],
    });
    assert.ok(!result.success);
    const fields = result.error.issues.map((i) => i.path.join('.')).sort();
    assert.deepEqual(fields, ['handoffs', 'handoffs.2', 'order', 'overrides.0.to', 'start', 'timezone']);
  });
});

describe('responder directory', () => {
  const dir = loadDirectory(SHIPPED_DIRECTORY);

  it('ships every audience the crisis plan names, each resolving to someone', () => {
    for (const audience of [
      'operations',
      'engineering',
      'engineering-on-call',
      'compliance',
      'compliance-on-call',
      'incident-commander',
      'executive-stakeholders',
      'legal',
      'procurement-key-accounts',
      'customer-support',
    ]) {
      const recipients = resolveTarget(dir, audience, '2026-11-26T03:14:00Z');
      assert.ok(recipients.length > 0, audience);
    }
  });

  it('resolves rota targets to whoever is on call at the instant given', () => {
    const [night] = resolveTarget(dir, 'rota:engineering-24x7', '2026-11-26T03:14:00Z');
    const [day] = resolveTarget(dir, 'rota:engineering-24x7', '2026-11-26T09:00:00Z');
    assert.notEqual(night!.id, day!.id);
    assert.match(night!.via!, /on call for rota engineering-24x7 until 2026-11-26T07:00:00.000Z/);
    const [christmas] = resolveTarget(dir, 'engineering-on-call', '2026-12-25T12:00:00Z');
    assert.equal(christmas!.id, 'farah');
    assert.match(christmas!.via!, /override: holiday cover/);
  });

  it('resolves roles, teams, webhooks and outside addresses with the channels each can take', () => {
    const legal = resolveTarget(dir, 'legal');
    assert.deepEqual(
      legal.map((r) => r.id),
      ['jonas', 'kemi'],
    );
    assert.deepEqual(
      resolveTarget(dir, 'team:compliance-office').map((r) => r.id),
      ['chloe', 'greta'],
    );
    const [room] = resolveTarget(dir, 'ops-chat');
    assert.deepEqual(room, { id: 'webhook:ops-slack', name: '#lockout-ops (Slack)', channels: ['webhook'] });
    assert.equal(webhookOf(dir, room!.id)?.urlEnv, 'SLACK_OPS_WEBHOOK_URL');
    const [outside] = resolveTarget(dir, 'vendor-risk@globex.example.com');
    assert.deepEqual(outside!.channels, ['email']);
    assert.deepEqual(resolveTarget(dir, '+4915100000099')[0]!.channels, ['sms', 'voice']);
    // Farah's preference excludes voice calls.
    assert.deepEqual(resolveTarget(dir, 'person:farah')[0]!.channels, ['email', 'sms']);
    assert.deepEqual(resolveTarget(dir, 'person:lucas')[0]!.channels, ['email', 'sms', 'voice', 'webhook']);
  });

  it('de-duplicates a person reached through several members', () => {
    const merged = Directory.parse({
      ...dir,
      audiences: { everyone: { members: ['ana', 'person:ana', 'role:sre', 'team:integration-engineering'] } },
    });
    assert.deepEqual(
      resolveTarget(merged, 'everyone').map((r) => r.id),
      ['ana', 'ben', 'emil', 'farah'],
    );
  });

  it('explains an unknown target', () => {
    assert.match(
      targetProblem(dir, 'rota:nights')!,
      /unknown rota "nights" \(known: engineering-24x7, compliance\)/,
    );
    assert.match(targetProblem(dir, 'opperations')!, /unknown audience "opperations"/);
    assert.match(targetProblem(dir, '+49 151')!, /not an E.164 number/);
    assert.throws(() => resolveTarget(dir, 'team:nobody'), /unknown team "nobody"/);
  });

  it('reports a broken directory file with line and field', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lockout-dir-')), 'directory.yaml');
    writeFileSync(
      file,
      [
        'people:',
        '  ana: { name: Ana, email: ana@example.com }',
        'rotas:',
        '  nights:',
        '    timezone: UTC',
        "    handoffs: ['20:00']",
        "    start: '2026-01-01'",
        '    order: [ana, bob]',
        'audiences:',
        '  ops: { members: [rota:nights, role:nobody] }',
        '',
      ].join('\n'),
    );
    try {
      loadDirectory(file);
      assert.fail('accepted a broken directory');
    } catch (err) {
      assert.ok(err instanceof FileProblems);
      const found = err.problems.map((p) => `${p.line} ${p.field}: ${p.reason}`);
      assert.deepEqual(found, [
        '8 rotas.nights.order.1: unknown person "bob"',
        '10 audiences.ops.members.1: unknown role "nobody"',
      ]);
    }
  });
});
