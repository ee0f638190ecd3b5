import assert from 'node:assert/strict';
import { messageContext } from '../comms/context';
import { loadDirectory, resolveTarget } from '../comms/directory';
import { loadTemplates, renderTemplate } from '../comms/templates';
import type { ApprovalStatus } from '../domain/incident';
import { linksForMessage, type LinkSettings } from '../links/issue';
import { actionHash, linkNonce, signLink, verifyLink, type LinkClaims } from '../links/token';
import { SHIPPED_DIRECTORY, SHIPPED_TEMPLATES } from './helpers/deps';
import { freshStatus } from './helpers/status';

const SECRET = 'test-link-secret-0123456789abcdef-0123456789';
const OLD_SECRET = 'previous-link-secret-abcdef0123456789-abcdef';
const NOW = Date.parse('2026-11-26T03:00:00Z');
const claims = (over: Partial<LinkClaims> = {}): Omit<LinkClaims, 'n'> => ({
  k: 'approve',
  i: 'lockout-sf-cert',
  s: 'approve-rotation',
  p: 'ben',
  a: actionHash({ activity: 'runRemediationHook', args: { hook: 'rotate', params: { env: 'prod' } } }),
  e: Math.floor(NOW / 1000) + 3600,
  ...over,
});

/** The token's claims part, re-encoded after a change: what a forger would try. */
function tamper(token: string, change: (c: Record<string, unknown>) => void): string {
  const [v, body, sig] = token.split('.');
  const decoded = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
  change(decoded);
  return `${v}.${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${sig}`;
}

describe('signed links: signing and verification', () => {
  it('verifies a link it signed and returns its claims', () => {
    const token = signLink(SECRET, claims());
    const check = verifyLink([SECRET], token, NOW);
    assert.ok(check.ok, JSON.stringify(check));
    assert.equal(check.claims.p, 'ben');
    assert.equal(check.claims.n, linkNonce(SECRET, claims()));
    assert.match(token, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'URL-safe without escaping');
  });

  it('refuses a link whose claims were altered (approver, step, incident, expiry) as forged', () => {
    const token = signLink(SECRET, claims());
    for (const change of [
      (c: Record<string, unknown>) => (c.p = 'mallory'),
      (c: Record<string, unknown>) => (c.s = 'approve-other'),
      (c: Record<string, unknown>) => (c.i = 'lockout-other'),
      (c: Record<string, unknown>) => (c.e = (c.e as number) + 86_400),
      (c: Record<string, unknown>) => (c.k = 'reject'),
    ]) {
      const check = verifyLink([SECRET], tamper(token, change), NOW);
      assert.equal(check.ok, false);
      assert.equal(!check.ok && check.problem, 'forged');
    }
  });

  it('refuses a link signed with another secret, and accepts the previous secret during a rotation', () => {
    const old = signLink(OLD_SECRET, claims());
    const refused = verifyLink([SECRET], old, NOW);
    assert.equal(!refused.ok && refused.problem, 'forged');
    assert.ok(verifyLink([SECRET, OLD_SECRET], old, NOW).ok);
  });

  it('refuses an expired link, saying when it expired, and only after checking the signature', () => {
    const token = signLink(SECRET, claims({ e: Math.floor(NOW / 1000) - 1 }));
    const check = verifyLink([SECRET], token, NOW);
    assert.equal(!check.ok && check.problem, 'expired');
    assert.match(!check.ok ? check.reason : '', /expired at 2026-11-26T02:59:59/);
    const forgedAndOld = verifyLink(['another-secret-of-enough-length-000000'], token, NOW);
    assert.equal(!forgedAndOld.ok && forgedAndOld.problem, 'forged');
  });

  it('refuses malformed tokens without throwing', () => {
    const token = signLink(SECRET, claims());
    for (const bad of [
      '',
      'v1',
      'v2.a.b',
      token.slice(0, 30),
      'v1.!!!.x',
      `v1.${Buffer.from('{"k":1}').toString('base64url')}.x`,
      'v1..',
    ]) {
      const check = verifyLink([SECRET], bad, NOW);
      assert.equal(!check.ok && check.problem, 'malformed', bad);
    }
  });

  it('hashes an action independently of key order, and differently for any changed argument', () => {
    const a = actionHash({
      activity: 'runRemediationHook',
      args: { hook: 'rotate', params: { env: 'prod', n: 1 } },
    });
    const b = actionHash({
      activity: 'runRemediationHook',
      args: { params: { n: 1, env: 'prod' }, hook: 'rotate' },
    });
    const c = actionHash({
      activity: 'runRemediationHook',
      args: { hook: 'rotate', params: { env: 'stage', n: 1 } },
    });
    const d = actionHash({
      activity: 'setJourneyMode',
      args: { hook: 'rotate', params: { env: 'prod', n: 1 } },
    });
    assert.equal(a, b);
    assert.notEqual(a, c);
    assert.notEqual(a, d);
    assert.notEqual(actionHash(undefined), a);
  });

  it('derives the same nonce for the same link (retries send identical links), another for another person', () => {
    assert.equal(linkNonce(SECRET, claims()), linkNonce(SECRET, claims()));
    assert.notEqual(linkNonce(SECRET, claims()), linkNonce(SECRET, claims({ p: 'erin' })));
    assert.notEqual(linkNonce(SECRET, claims()), linkNonce(OLD_SECRET, claims()));
  });
});

describe('signed links: which links a message carries', () => {
  const settings: LinkSettings = {
    secrets: [SECRET],
    publicUrl: 'https://lockout.example.com',
    ttlMs: 86_400_000,
  };
  const approval: ApprovalStatus = {
    step: 'approve-rotation',
    title: 'Rotate the certificate',
    approvers: { roles: ['engineering-lead'], people: [] },
    quorum: 1,
    twoPersonRule: false,
    requestedAt: '2026-11-26T02:30:00.000Z',
    deadline: '2026-11-26T03:30:00.000Z',
    level: 1,
    state: 'pending',
    eligible: ['ben'],
    decisions: [],
    action: { activity: 'runRemediationHook', args: { hook: 'rotate' } },
  };
  const status = {
    ...freshStatus({ id: 'generic-lockout', version: 1, title: 'Generic' }),
    approvals: [approval],
  };
  const request = {
    incidentId: status.incidentId,
    step: 'approve-rotation-request-1',
    recipientId: 'ben',
    isPerson: true,
    status,
    approvalStep: 'approve-rotation',
    at: '2026-11-26T02:30:00.000Z',
  };
  const token = (url: string | null) => url!.split('/').at(-1)!;

  it('gives an eligible approver approve and reject links bound to the exact action, expiring at the deadline', () => {
    const links = linksForMessage(settings, request);
    assert.ok(links.approve!.startsWith('https://lockout.example.com/approve/v1.'));
    const approve = verifyLink([SECRET], token(links.approve), NOW);
    const reject = verifyLink([SECRET], token(links.reject), NOW);
    assert.ok(approve.ok && reject.ok);
    assert.equal(approve.claims.k, 'approve');
    assert.equal(reject.claims.k, 'reject');
    assert.equal(approve.claims.a, actionHash(approval.action));
    assert.equal(approve.claims.e * 1000, Date.parse(approval.deadline!));
    assert.notEqual(approve.claims.n, reject.claims.n);
    const ack = verifyLink([SECRET], token(links.acknowledge), NOW);
    assert.ok(ack.ok);
    assert.deepEqual(
      [ack.claims.k, ack.claims.s, ack.claims.p],
      ['ack', 'approve-rotation-request-1', 'ben'],
    );
    assert.equal(ack.claims.e * 1000, Date.parse(request.at) + 86_400_000);
    assert.equal(links.note, null);
  });

  it('gives no decision links to someone who may not decide, or once the approval is decided', () => {
    assert.equal(linksForMessage(settings, { ...request, recipientId: 'ana' }).approve, null);
    const decided = { ...status, approvals: [{ ...approval, state: 'approved' as const }] };
    assert.equal(linksForMessage(settings, { ...request, status: decided }).reject, null);
  });

  it('gives no acknowledgement link once the incident is resolved (a receipt link still)', () => {
    const resolved = {
      ...status,
      resolution: { by: 'ana', at: '2026-11-26T04:00:00.000Z', reason: 'fixed' },
    };
    const links = linksForMessage(settings, { ...request, status: resolved });
    assert.equal(links.acknowledge, null);
    assert.ok(links.receipt);
  });

  it('issues nothing without a secret, or for recipients outside the directory, and says why', () => {
    const off = linksForMessage(undefined, request);
    assert.deepEqual([off.approve, off.acknowledge, off.receipt], [null, null, null]);
    assert.match(off.note!, /LOCKOUT_LINK_SECRET/);
    const outsider = linksForMessage(settings, {
      ...request,
      recipientId: 'auditor@partner.example',
      isPerson: false,
    });
    assert.equal(outsider.acknowledge, null);
    assert.match(outsider.note!, /directory/);
  });

  it('puts the links in the ops alert and the approval request, and a plain note when there are none', () => {
    const directory = loadDirectory(SHIPPED_DIRECTORY);
    const templates = loadTemplates(SHIPPED_TEMPLATES);
    const [ben] = resolveTarget(directory, 'person:ben');
    const render = (id: string, recipientLinks?: ReturnType<typeof linksForMessage>) =>
      renderTemplate(
        templates.get(id)!,
        messageContext(status, ben!, {
          links: { webUi: 'http://ui.test/x' },
          directory,
          about: { approval: 'approve-rotation' },
          recipientLinks,
        }),
      );
    const links = linksForMessage(settings, request);
    const ops = render('ops-technical-alert', links);
    assert.ok(ops.text.includes(links.acknowledge!));
    assert.ok(ops.html!.includes(`href="${links.acknowledge!}"`));
    const ask = render('approval-request', links);
    assert.ok(ask.text.includes(`Approve: ${links.approve!}`));
    assert.ok(ask.text.includes(`Reject:  ${links.reject!}`));
    const without = render('ops-technical-alert', linksForMessage(undefined, request));
    assert.doesNotMatch(without.text, /\/ack\//);
    assert.match(without.text, /One-click links are off on this installation/);
  });
});
