/** Rules over any field of the alert and of the vendor's document (intake/rule-match.ts). */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadClassification } from '../intake/classification-file';
import { classify, ClassificationRules } from '../intake/classify';
import { valueAt } from '../intake/rule-match';
import { ALERT_FORMATS } from '../intake/sources';

const SHIPPED = loadClassification(join(__dirname, '..', 'config', 'classification.yaml'));

const parse = (kind: keyof typeof ALERT_FORMATS, body: unknown) => ALERT_FORMATS[kind].parse(body).alerts;

describe('classification over any field', () => {
  it('finds a TLS error that sits only in Alertmanager commonAnnotations, and says where', () => {
    const [a] = parse('alertmanager', {
      version: '4',
      status: 'firing',
      commonAnnotations: { description: 'x509: certificate signed by unknown authority' },
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'SalesforceApiTls', severity: 'critical' },
          annotations: { summary: 'TLS chain validation failing for Salesforce API' },
        },
      ],
    });
    const c = classify(SHIPPED, a!);
    assert.equal(c.alert.pattern, 'certificate-chain');
    assert.deepEqual(c.evidence['certificate-chain'], ['event.commonAnnotations.description']);
  });

  it('reads PagerDuty custom_details for the error and the cloud region', () => {
    const [a] = parse('pagerduty', {
      routing_key: 'r'.repeat(32),
      event_action: 'trigger',
      payload: {
        summary: 'Salesforce OAuth token for integration user expired, sync halted',
        source: 'sync-worker-3',
        severity: 'error',
        custom_details: { error: 'INVALID_SESSION_ID: Session expired or invalid', region: 'us-east-1' },
      },
    });
    const c = classify(SHIPPED, a!);
    assert.equal(c.alert.pattern, 'token-expiry');
    assert.equal(c.alert.region, 'us');
    assert.equal(c.alert.severity, 'sev2');
    assert.deepEqual(c.evidence['region-us'], ['labels.details.region']);
  });

  it('tests fields by path with equals, contains, matches, in and exists; any and all', () => {
    const rules = ClassificationRules.parse({
      rules: [
        {
          name: 'deep',
          match: {
            all: [
              { fields: [{ path: 'event.payload.custom_details.job.name', equals: 'orders-sync' }] },
              { fields: [{ path: 'event.payload.custom_details.job.attempts', in: [3, 4] }] },
            ],
            any: [
              { fields: [{ path: 'title', contains: 'SALESFORCE' }] },
              { fields: [{ path: 'labels.component', matches: '/^crm/' }] },
            ],
            fields: [
              { path: 'event.payload.custom_details.owner', exists: false },
              { path: 'event.payload.custom_details.tags', matches: '/^team:crm$/' },
            ],
          },
          set: { pattern: 'acl-misconfiguration' },
        },
      ],
    });
    const event = (details: Record<string, unknown>, summary = 'Salesforce writes refused') => ({
      routing_key: 'r'.repeat(32),
      event_action: 'trigger',
      payload: { summary, source: 's', severity: 'error', custom_details: details },
    });
    const good = { job: { name: 'orders-sync', attempts: 3 }, tags: ['env:prod', 'team:crm'] };
    const [a] = parse('pagerduty', event(good));
    const c = classify(rules, a!);
    assert.equal(c.alert.pattern, 'acl-misconfiguration');
    assert.deepEqual(c.evidence.deep, [
      'event.payload.custom_details.owner',
      'event.payload.custom_details.tags',
      'title',
      'event.payload.custom_details.job.name',
      'event.payload.custom_details.job.attempts',
    ]);
    for (const bad of [
      { ...good, owner: 'ana' },
      { ...good, job: { name: 'orders-sync', attempts: 5 } },
      { ...good, tags: ['team:web'] },
    ])
      assert.equal(classify(rules, parse('pagerduty', event(bad))[0]!).alert.pattern, 'unclassified');
    assert.equal(
      classify(rules, parse('pagerduty', event(good, 'Writes refused'))[0]!).alert.pattern,
      'unclassified',
    );
  });

  it('refuses a condition with no operator or two, and an unknown path root, naming it', () => {
    const problems = (condition: unknown) => {
      const parsed = ClassificationRules.safeParse({
        rules: [{ name: 'x', match: { fields: [condition] }, set: { pattern: 'token-expiry' } }],
      });
      assert.equal(parsed.success, false);
      return parsed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    assert.match(problems({ path: 'title' }), /exactly one of equals, contains, matches, in, exists/);
    assert.match(problems({ path: 'title', equals: 'a', contains: 'b' }), /exactly one/);
    assert.match(problems({ path: 'payload.x', exists: true }), /path: must start with title/);
  });

  it('valueAt prefers a whole dotted key, then walks (fast-check: any nesting is found)', () => {
    assert.equal(
      valueAt({ labels: { 'details.region': 'eu-west-1' } }, 'labels.details.region'),
      'eu-west-1',
    );
    assert.equal(valueAt({ a: { b: { c: 1 } } }, 'a.b.c'), 1);
    assert.equal(valueAt({ constructor: 1 }, 'toString'), undefined, 'own keys only');
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 1, maxLength: 6 }),
        fc.string(),
        (keys, leaf) => {
          const doc = keys.reduceRight<unknown>((inner, key) => ({ [key]: inner }), leaf);
          assert.equal(valueAt(doc, keys.join('.')), leaf);
        },
      ),
    );
  });
});
