import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOverview } from '../status-page/overview';
import { listPage } from '../status-page/incident-list';
import { hashToken, loadResponders, personForToken } from '../links/responders-file';
import { runHealthChecks } from '../status-page/health';
import { ConfigError, loadConfig } from '../config/env';
import type { ApprovalStatus } from '../domain/incident';
import { actionHash } from '../links/token';
import { runCli } from './helpers/cli';
import { freshStatus, listedOf } from './helpers/status';

const runbook = { id: 'generic-lockout', version: 1, title: 'Generic' };

describe('status page building blocks (no server)', () => {
  const approval: ApprovalStatus = {
    step: 'approve-rotation',
    title: 'Rotate',
    approvers: { roles: [], people: ['ana', 'ben'] },
    quorum: 2,
    twoPersonRule: true,
    requestedAt: '2026-11-26T02:30:00.000Z',
    requestedBy: 'ana',
    deadline: '2026-11-26T03:30:00.000Z',
    level: 1,
    state: 'pending',
    eligible: ['ana', 'ben', 'erin'],
    decisions: [{ by: 'erin', at: '2026-11-26T02:40:00.000Z', decision: 'approve' }],
    action: { activity: 'runRemediationHook', args: { hook: 'rotate' } },
  };
  const statuses = [
    { ...freshStatus(runbook, { severity: 'sev2', title: 'older sev2' }), incidentId: 'lockout-b' },
    {
      ...freshStatus(runbook, { severity: 'sev1', title: 'sev1' }),
      incidentId: 'lockout-a',
      detectedAt: '2026-11-26T05:00:00.000Z',
      approvals: [approval, { ...approval, step: 'done', state: 'approved' as const }],
    },
  ];
  const now = new Date('2026-11-26T06:00:00Z');
  const overview = (person: string, unreadable: string[] = []) =>
    buildOverview({
      list: listPage([...statuses.map(listedOf), listedOf({ ...statuses[0]!, incidentId: 'lockout-c' })], {
        page: 1,
        pageSize: 25,
        person,
        now,
      }),
      reads: new Map(
        [...statuses, { ...statuses[0]!, incidentId: 'lockout-c' }].map((s) => [
          s.incidentId,
          unreadable.includes(s.incidentId)
            ? { ok: false, reason: 'no worker answers' }
            : { ok: true, status: s },
        ]),
      ),
      person,
      webUiLink: (id) => `http://ui/${id}`,
      health: [],
      now,
    });

  it('lists the most severe incident first, with only pending approvals and the action hash', () => {
    const o = overview('ben');
    assert.deepEqual(
      o.incidents.map((i) => i.id),
      ['lockout-a', 'lockout-b', 'lockout-c'],
    );
    assert.deepEqual([o.totalOpen, o.matching, o.page, o.pages], [3, 3, 1, 1]);
    assert.equal(o.asOf, '2026-11-26T06:00:00.000Z');
    const [a] = o.incidents[0]!.approvals;
    assert.equal(o.incidents[0]!.approvals.length, 1);
    assert.equal(a!.actionHash, actionHash(approval.action));
    assert.equal(a!.approvals, 1);
    assert.equal(o.incidents[0]!.webUi, 'http://ui/lockout-a');
  });

  it('says who may decide, and why the others may not', () => {
    const may = (person: string) => overview(person).incidents[0]!.approvals[0]!;
    assert.equal(may('ben').mayDecide, true);
    assert.match(may('ana').why!, /two-person rule/);
    assert.match(may('erin').why!, /already decided/);
    assert.match(may('dev').why!, /not an approver/);
  });

  it('lists an incident whose status cannot be read with what visibility knows, in its place', () => {
    const o = overview('ben', ['lockout-b']);
    assert.deepEqual(
      o.incidents.map((i) => i.id),
      ['lockout-a', 'lockout-c'],
    );
    assert.deepEqual(
      o.unreadable.map((u) => [u.id, u.severity, u.reason]),
      [['lockout-b', 'sev2', 'no worker answers']],
    );
  });

  it('reads hashed responder tokens, refuses a malformed file naming the line, and treats a missing file as nobody', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockout-responders-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(
      good,
      `responders:\n  ana:\n    tokenSha256: ${hashToken('t-ana')}\n  ben:\n    tokenSha256: [${hashToken('t-ben-old')}, ${hashToken('t-ben')}]\n`,
    );
    const responders = loadResponders(good);
    assert.equal(personForToken(responders, 't-ana'), 'ana');
    assert.equal(personForToken(responders, 't-ben-old'), 'ben');
    assert.equal(personForToken(responders, 't-ben'), 'ben');
    assert.equal(personForToken(responders, 'nope'), undefined);
    assert.equal(personForToken(responders, ''), undefined);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'responders:\n  ana:\n    tokenSha256: secret-in-clear\n');
    assert.throws(() => loadResponders(bad), /bad\.yaml:3.*tokenSha256.*SHA-256/s);
    assert.equal(loadResponders(join(dir, 'missing.yaml')).size, 0);
  });

  it('reports a health check that throws or hangs as failing, the others as they are', async () => {
    const rows = await runHealthChecks(
      [
        { name: 'fine', check: async () => ({ ok: true, detail: 'up' }) },
        { name: 'broken', check: () => Promise.reject(new Error('connection refused')) },
        { name: 'stuck', check: () => new Promise(() => undefined) },
      ],
      200,
    );
    assert.deepEqual(
      rows.map((r) => `${r.name}:${r.ok}:${r.detail}`),
      ['fine:true:up', 'broken:false:connection refused', 'stuck:false:no answer within 0.2s'],
    );
  });

  it('validates the link and status page settings, naming the variable', () => {
    const problems = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig(env);
        return '';
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.message;
      }
    };
    assert.match(
      problems({ LOCKOUT_LINK_SECRET: 'short' }),
      /LOCKOUT_LINK_SECRET: must be at least 32 characters/,
    );
    assert.match(problems({ LOCKOUT_LINK_TTL: 'soon' }), /LOCKOUT_LINK_TTL: "soon" is not a duration/);
    assert.match(
      problems({ LOCKOUT_STATUS_AUTH: 'none' }),
      /LOCKOUT_STATUS_AUTH: must be "tokens" or "proxy"/,
    );
    assert.match(problems({ LOCKOUT_STATUS_AUTH: 'proxy' }), /LOCKOUT_PROXY_IDENTITY_HEADER: required/);
    assert.match(
      problems({ LOCKOUT_STATUS_AUTH: 'proxy', LOCKOUT_PROXY_IDENTITY_HEADER: 'X User' }),
      /LOCKOUT_PROXY_IDENTITY_HEADER: must be an HTTP header name/,
    );
    const off = loadConfig({});
    assert.equal(off.links, undefined, 'no secret, no links');
    assert.equal(off.statusPage.sessionSecret, undefined);
    const on = loadConfig({ LOCKOUT_LINK_SECRET: 'x'.repeat(40), LOCKOUT_LINK_TTL: '8h' });
    assert.deepEqual(on.links, { secrets: ['x'.repeat(40)], ttlMs: 8 * 3_600_000 });
    assert.ok(on.statusPage.sessionSecret && on.statusPage.sessionSecret !== 'x'.repeat(40), 'a derived key');
  });

  it('lockout responder-token prints a token whose hash it prints, and refuses an unknown person', async () => {
    const made = await runCli(['responder-token', 'ana', '--json']);
    assert.equal(made.code, 0, made.stderr);
    const { token, sha256 } = JSON.parse(made.stdout) as { token: string; sha256: string };
    assert.equal(hashToken(token), sha256);
    const unknown = await runCli(['responder-token', 'nobody']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no person "nobody"/);
  });
});
