import assert from 'node:assert/strict';
import { renderTemplate as renderText } from '../lib/handlebars';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageContext, messageContext, type MessageAbout } from '../comms/context';
import { loadDirectory, resolveTarget } from '../comms/directory';
import { templateVariableProblems } from '../comms/template-check';
import {
  checkTemplates,
  loadTemplates,
  renderTemplate,
  TemplateError,
  type RenderedMessage,
} from '../comms/templates';
import { FileProblems } from '../lib/yaml-file';
import type { IncidentStatus } from '../domain/incident';
import { SHIPPED_DIRECTORY, SHIPPED_TEMPLATES } from './helpers/deps';
import { shippedRunbooks } from './helpers/incidents';
import { advancedStatus, freshStatus, resolvedStatus } from './helpers/status';

const directory = loadDirectory(SHIPPED_DIRECTORY);
const templates = loadTemplates(SHIPPED_TEMPLATES);
const [kemi] = resolveTarget(directory, 'person:kemi');
const links = { webUi: 'http://ui.test/namespaces/default/workflows/lockout-sf-cert-chain-prod' };
const asOf = '2026-11-26T07:14:00.000Z';

function render(
  id: string,
  status: IncidentStatus,
  recipient = kemi!,
  about?: MessageAbout,
): RenderedMessage {
  const template = templates.get(id);
  assert.ok(template, `template ${id} is shipped`);
  return renderTemplate(template, messageContext(status, recipient, { links, directory, asOf, about }));
}

/** Approval requests and deadline notices are about one approval or clock of the incident. */
function aboutFor(requires: string[], status: IncidentStatus): MessageAbout | undefined | 'skip' {
  if (requires.includes('about.approval')) {
    const approval = status.approvals[0];
    return approval ? { approval: approval.step } : 'skip';
  }
  if (requires.includes('about.clock')) {
    const clock = status.clocks.find((c) => c.deadline);
    return clock ? { clock: { id: clock.id, left: '15m' } } : 'skip';
  }
  return undefined;
}

/** A status with what a template requires beyond the usual (every alert resolved). */
function needs(requires: readonly string[], status: IncidentStatus): IncidentStatus {
  if (!requires.includes('alertsResolved')) return status;
  const at = status.detectedAt;
  return { ...status, alertsResolved: { at, policy: 'resolve-after', resolvesAt: at } };
}

const allText = (m: RenderedMessage) => [m.subject, m.text, m.html ?? '', m.sms ?? ''].join('\n');

const EXPECTED = [
  'compliance-status-report',
  'customer-notice',
  'escalation-notice',
  'gdpr-assessment-brief',
  'ops-technical-alert',
  'resolution-notice',
  'stakeholder-notification',
  'status-update',
  'supervisory-authority-draft',
];

describe('message templates', () => {
  it('compiles a template text once and renders it afresh for every context; an edited text anew', () => {
    assert.equal(renderText('Hello {{name}}', { name: 'Ana' }, false), 'Hello Ana');
    assert.equal(renderText('Hello {{name}}', { name: 'Ben' }, false), 'Hello Ben');
    assert.equal(renderText('Hi {{name}}', { name: 'Ben' }, false), 'Hi Ben');
    // The same text escaped for HTML is a template of its own.
    assert.equal(renderText('<b>{{name}}</b>', { name: '<i>' }, true), '<b>&lt;i&gt;</b>');
    assert.equal(renderText('<b>{{name}}</b>', { name: '<i>' }, false), '<b><i></b>');
    assert.throws(() => renderText('Hello {{nobody}}', {}, false), /nobody/);
  });

  it('prints a time in the zone asked for, each zone on its own, a date it cannot read as given', () => {
    const at = '2026-11-26T02:14:00.000Z';
    const time = (context: object, args = '') => renderText(`{{time at${args}}}`, { at, ...context }, false);
    // The same instant for three recipients in a row: each sees it in their own zone.
    assert.equal(time({ recipient: { timezone: 'America/New_York' } }), '2026-11-25 21:14 UTC-5');
    assert.equal(time({ recipient: { timezone: 'Europe/Paris' } }), '2026-11-26 03:14 UTC+1');
    assert.equal(time({}), '2026-11-26 02:14 UTC');
    assert.equal(time({ recipient: { timezone: 'UTC' } }, ' "Asia/Kolkata"'), '2026-11-26 07:44 UTC+5:30');
    assert.equal(renderText('{{time at}}', { at: 'not a time' }, false), 'not a time');
  });

  it('ships a template for every audience and phase, each with an sms text', () => {
    for (const id of EXPECTED) {
      assert.ok(templates.has(id), id);
      assert.ok(templates.get(id)!.source.sms, `${id} has an sms text`);
    }
  });

  it('renders every template for every shipped runbook, fresh and advanced, without a blank', () => {
    for (const runbook of shippedRunbooks()) {
      const pattern = runbook.match.patterns[0] ?? 'unclassified';
      for (const build of [freshStatus, advancedStatus, resolvedStatus]) {
        const status = build(runbook, { pattern, severity: runbook.severity });
        for (const [id, template] of templates) {
          if (template.source.requires.includes('resolution') && !status.resolution) continue;
          const about = aboutFor(template.source.requires, status);
          if (about === 'skip') continue;
          const message = render(id, needs(template.source.requires, status), kemi, about);
          const everything = allText(message);
          assert.doesNotMatch(everything, /undefined|null|\[object Object\]|NaN/, `${runbook.id}/${id}`);
          assert.ok(everything.includes(status.incidentId), `${id} names the incident`);
          assert.ok(
            message.sms && message.sms.length <= 320,
            `${id}: sms fits two segments (${message.sms?.length})`,
          );
          assert.doesNotMatch(message.subject, /\n/);
        }
      }
    }
  });

  it('formal compliance report: controls, Annex A 5.24-5.28, clocks met and missed, approvals, remediation, risks', () => {
    const { text, html } = render('compliance-status-report', advancedStatus(shippedRunbooks()[0]!));
    for (const control of ['A.5.24', 'A.5.25', 'A.5.26', 'A.5.27', 'A.5.28'])
      assert.ok(text.includes(control), control);
    assert.match(text, /A\.8\.24 {2}Use of cryptography/, 'certificate-chain puts cryptography in question');
    assert.match(text, /Operations alerted \(15m from detected\): MET/);
    assert.match(
      text,
      /Stakeholders notified \(60m from detected\): MISSED; due 2026-11-26 03:14 UTC; 25m late/,
    );
    assert.match(text, /GDPR Art\. 33 notification \(72h from aware, legal\): RUNNING/);
    assert.match(text, /approve by ben at 2026-11-26 03:35 UTC: change CHG-1042/);
    assert.match(
      text,
      /\[done\] Re-issue intermediate certificate, started 2026-11-26 03:40 UTC: chain re-issued/,
    );
    assert.match(text, /- Deadline missed: Stakeholders notified/);
    assert.match(text, /notify-ops to ana by email: delivered \[<abc@lockout-runbook>\]/);
    assert.match(html!, /<h3>Annex A 5\.24-5\.28<\/h3>/);
  });

  it('GDPR brief and Art. 33 draft: the 72 hours from awareness, scope from alert labels, DPO contact', () => {
    const brief = render('gdpr-assessment-brief', advancedStatus(shippedRunbooks()[0]!)).text;
    assert.match(brief, /became aware at 2026-11-26 04:00 UTC \(recorded by kemi\)/);
    assert.match(brief, /by 2026-11-29 04:00 UTC: 2d 20h left/);
    assert.match(brief, /Data subjects: +~12,000/);
    assert.match(brief, /Records: +not yet known/);

    const draft = render('supervisory-authority-draft', advancedStatus(shippedRunbooks()[0]!)).text;
    for (const field of ['33(3)(a)', '33(3)(b)', '33(3)(c)', '33(3)(d)'])
      assert.ok(draft.includes(`Art. ${field}`), field);
    assert.match(draft, /Kemi Adeyemi \(Data Protection Officer\), dpo@example\.com/);
    assert.match(draft, /To: +Berliner Beauftragte/);
    assert.match(draft, /Approx\. number of records: +\[TO COMPLETE\]/);

    const early = render('gdpr-assessment-brief', freshStatus(shippedRunbooks()[0]!)).text;
    assert.match(early, /Awareness has not been recorded yet/);
  });

  it("renders times in the recipient's zone and escapes HTML but not text", () => {
    const status = freshStatus(shippedRunbooks()[0]!, { title: 'ACL <script>alert(1)</script> & co' });
    const [ben] = resolveTarget(directory, 'person:ben');
    const message = render('ops-technical-alert', status, ben);
    assert.match(message.text, /Detected: +2026-11-25 21:14 UTC-5/, 'Ben is in New York');
    assert.ok(message.text.includes('<script>'));
    assert.ok(!message.html!.includes('<script>'));
    assert.ok(message.html!.includes('&lt;script&gt;'));
  });

  it('refuses a template whose required fact the incident lacks, instead of sending blanks', () => {
    assert.throws(
      () => render('resolution-notice', advancedStatus(shippedRunbooks()[0]!)),
      (err) => {
        assert.ok(err instanceof TemplateError);
        assert.match(err.message, /resolution-notice needs resolution/);
        return true;
      },
    );
  });

  it('builds contexts that match the context schema the checker reads', () => {
    for (const build of [freshStatus, advancedStatus, resolvedStatus]) {
      const ctx = messageContext(build(shippedRunbooks()[0]!), kemi!, { links, directory, asOf });
      const parsed = MessageContext.strict().safeParse(ctx);
      assert.ok(parsed.success, parsed.error?.message);
    }
  });
});

describe('template checker', () => {
  const check = (source: string, requires: string[] = []) =>
    templateVariableProblems(source, MessageContext, requires).map(
      (p) => `${p.line}:${p.variable}: ${p.reason}`,
    );

  it('accepts the shipped templates', () => {
    assert.deepEqual(checkTemplates(SHIPPED_TEMPLATES), []);
  });

  it('finds misspelt variables, unguarded optional facts, per-incident labels and unknown helpers', () => {
    const problems = check(
      [
        'Severity {{incident.severty}}',
        '{{incident.description}}',
        '{{#if incident.description}}{{incident.description}}{{/if}}',
        '{{resolution.by}}',
        '{{#with resolution}}{{by}} {{nonsense}}{{/with}}',
        '{{incident.labels.team}}',
        '{{#each incident.labels}}{{@key}}={{this}}{{/each}}',
        '{{shout incident.title}} {{time incident.description}} {{or incident.description "n/a"}}',
        '{{#each timeline}}{{at}} {{../incident.id}} {{actor}}{{/each}} {{@index}}',
      ].join('\n'),
    );
    assert.deepEqual(problems, [
      '1:incident.severty: incident has no "severty" (it has: id, title, pattern, severity, region, euPersonalData, source, description, labels, phase, detectedAt, asOf, openFor, alertCount, escalationLevel, escalationLevels, runbook, link, acknowledged, owner)',
      '2:incident.description: incident.description may be empty for an incident: wrap it in {{#if incident.description}}…{{/if}} or use {{or incident.description "…"}}',
      '4:resolution.by: resolution may be missing for an incident: wrap it in {{#if resolution}} or {{#with resolution}}',
      '5:nonsense: resolution has no "nonsense" (it has: by, at, reason, duration)',
      '6:incident.labels.team: incident.labels varies per incident: iterate it with {{#each}} instead of naming "team"',
      '8:shout: unknown helper "shout" (known: upper, eq, or, time, yesno)',
      '8:incident.description: incident.description may be empty for an incident: wrap it in {{#if incident.description}}…{{/if}} or use {{or incident.description "…"}}',
      '9:actor: timeline[].actor may be empty for an incident: wrap it in {{#if timeline[].actor}}…{{/if}} or use {{or timeline[].actor "…"}}',
      '9:@index: @index is only defined inside {{#each}}',
    ]);
  });

  it('lets a template that requires a fact use it freely', () => {
    assert.deepEqual(check('{{resolution.by}} {{resolution.duration}}', ['resolution']), []);
  });

  it('reports a broken template file with file, line and field, and loading refuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockout-templates-'));
    writeFileSync(
      join(dir, 'broken.yaml'),
      [
        'subject: "{{incident.titel}}"',
        'text: |',
        '  Hello {{recipient.name}},',
        '',
        '  owner {{incident.owner.by}}',
        'sms: "{{#if x}}"',
        '',
      ].join('\n'),
    );
    const problems = checkTemplates(dir).map((p) => `${p.line} ${p.field}: ${p.reason.split(':')[0]}`);
    assert.deepEqual(problems, [
      '1 subject: {{incident.titel}}',
      '5 text: {{incident.owner.by}}',
      '6 sms: syntax',
    ]);
    assert.throws(() => loadTemplates(dir), FileProblems);
  });
});
