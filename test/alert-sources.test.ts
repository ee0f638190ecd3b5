import assert from 'node:assert/strict';
import { AlertRejected, type SourceAlert } from '../intake/source-alert';
import { ALERT_FORMATS, detectFormat } from '../intake/sources';
import { fixture } from './helpers/fixtures';

function rejected(parse: () => unknown): string[] {
  try {
    parse();
  } catch (err) {
    if (err instanceof AlertRejected) return err.problems;
    throw err;
  }
  assert.fail('expected the payload to be rejected');
}

describe('alert formats (vendor payloads → normalised alerts)', () => {
  describe('Alertmanager webhook', () => {
    const parse = ALERT_FORMATS.alertmanager.parse;

    it('maps each alert of a group to its own fingerprint, title, labels and time', () => {
      const { alerts } = parse(fixture('alertmanager-salesforce-group.json'));
      assert.equal(alerts.length, 2);
      const [cert, sync] = alerts as [SourceAlert, SourceAlert];
      assert.equal(cert.fingerprint, 'am-7c2f4e1a9b3d5e60');
      assert.equal(cert.status, 'firing');
      assert.equal(cert.title, 'Salesforce API certificate chain invalid');
      assert.match(cert.description!, /x509: certificate signed by unknown authority/);
      assert.deepEqual(cert.labels, {
        alertname: 'SalesforceTLSChainInvalid',
        job: 'salesforce-integration',
        region: 'eu-west-1',
        severity: 'critical',
      });
      assert.equal(cert.startsAt, '2026-11-26T02:14:00.000Z');
      assert.equal(sync.fingerprint, 'am-0d9e8f7a6b5c4d3e');
      assert.equal(sync.labels.severity, 'warning');
    });

    it('reads the published sample payload', () => {
      const [alert] = parse(fixture('alertmanager-probe-failure.json')).alerts;
      assert.equal(alert!.fingerprint, 'am-1a30ba71cca2921f');
      assert.equal(alert!.title, 'BlackBox Probe Failure: https://server.example.org');
      assert.equal(alert!.source, 'alertmanager');
    });

    it('derives a stable fingerprint from the label set when the alert has none', () => {
      const body = fixture<{ alerts: Array<Record<string, unknown>> }>('alertmanager-probe-failure.json');
      delete body.alerts[0]!.fingerprint;
      const first = parse(body).alerts[0]!.fingerprint;
      const again = parse(structuredClone(body)).alerts[0]!.fingerprint;
      assert.match(first, /^am-h-[0-9a-f]{24}$/);
      assert.equal(first, again);
    });

    it('falls back to alertname for the title and ignores the zero endsAt', () => {
      const [alert] = parse({
        alerts: [{ status: 'resolved', labels: { alertname: 'X' }, startsAt: '0001-01-01T00:00:00Z' }],
      }).alerts;
      assert.equal(alert!.title, 'X');
      assert.equal(alert!.status, 'resolved');
      assert.equal(alert!.startsAt, undefined);
    });

    it('names each bad field', () => {
      assert.deepEqual(
        rejected(() => parse({ version: '4' })),
        ['alerts: required (array)'],
      );
      assert.deepEqual(
        rejected(() => parse({ alerts: [] })),
        ['alerts: must contain at least one alert'],
      );
      const problems = rejected(() => parse({ alerts: [{ status: 'burning', labels: { severity: 3 } }] }));
      assert.ok(
        problems.some((p) => p.startsWith('alerts.0.status: ')),
        problems.join('; '),
      );
      assert.ok(
        problems.some((p) => p.startsWith('alerts.0.labels.severity: ')),
        problems.join('; '),
      );
    });
  });

  describe('PagerDuty Events API v2', () => {
    const parse = ALERT_FORMATS.pagerduty.parse;

    it('maps the documentation example: dedup_key, severity, details, time', () => {
      const { alerts, reply } = parse(fixture('pagerduty-docs-trigger.json'));
      const [alert] = alerts;
      // "srv01/mysql" has a "/", which a workflow id may not: it is hashed, deterministically.
      assert.match(alert!.fingerprint, /^pd-h-[0-9a-f]{24}$/);
      assert.equal(alert!.status, 'firing');
      assert.equal(alert!.title, 'DISK at 99% on machine prod-datapipe03.example.com');
      assert.equal(alert!.labels.severity, 'critical');
      assert.equal(alert!.labels.component, 'mysql');
      assert.equal(alert!.labels['details.free space'], '1%');
      assert.equal(alert!.labels['details.load avg'], '0.75');
      assert.equal(alert!.startsAt, '2015-07-17T08:42:58.315Z');
      assert.deepEqual(reply, { status: 'success', message: 'Event processed', dedup_key: 'srv01/mysql' });
    });

    it('acknowledge and resolve name the same incident as the trigger', () => {
      const trigger = parse(fixture('pagerduty-docs-trigger.json')).alerts[0]!;
      const ack = parse(fixture('pagerduty-docs-acknowledge.json')).alerts[0]!;
      const resolve = parse(fixture('pagerduty-docs-resolve.json')).alerts[0]!;
      assert.equal(ack.fingerprint, trigger.fingerprint);
      assert.equal(resolve.fingerprint, trigger.fingerprint);
      assert.equal(ack.status, 'acknowledged');
      assert.equal(resolve.status, 'resolved');
    });

    it('keeps a readable dedup_key readable, and answers a derived one the sender can reuse', () => {
      const body = fixture<Record<string, unknown>>('pagerduty-docs-trigger.json');
      assert.equal(parse({ ...body, dedup_key: 'sf-cert-eu' }).alerts[0]!.fingerprint, 'pd-sf-cert-eu');
      delete body.dedup_key;
      const first = parse(body);
      const key = first.reply!.dedup_key as string;
      assert.match(key, /^h-[0-9a-f]{24}$/);
      const resolve = parse({ routing_key: 'k', event_action: 'resolve', dedup_key: key });
      assert.equal(resolve.alerts[0]!.fingerprint, first.alerts[0]!.fingerprint);
    });

    it('names each bad field', () => {
      const problems = rejected(() =>
        parse({ event_action: 'trigger', payload: { summary: '', severity: 'sev1' } }),
      );
      assert.ok(problems.includes('routing_key: required (string)'), problems.join('; '));
      assert.ok(problems.includes('payload.summary: must not be empty'), problems.join('; '));
      assert.ok(problems.includes('payload.source: required (string)'), problems.join('; '));
      assert.ok(
        problems.some((p) => p.startsWith('payload.severity: ')),
        problems.join('; '),
      );
      assert.deepEqual(
        rejected(() => parse({ routing_key: 'k', event_action: 'trigger' })),
        ['payload: required for a trigger event (object)'],
      );
      assert.deepEqual(
        rejected(() => parse({ routing_key: 'k', event_action: 'resolve' })),
        ['dedup_key: required with event_action "resolve": it names the alert to resolve'],
      );
      assert.ok(
        rejected(() => parse({ routing_key: 'k', event_action: 'snooze' }))[0]!.startsWith('event_action: '),
      );
    });
  });

  describe('Datadog webhook', () => {
    const parse = ALERT_FORMATS.datadog.parse;

    it('reads the default payload: title without the transition prefix, time from $DATE', () => {
      const [alert] = parse(fixture('datadog-default-payload.json')).alerts;
      assert.equal(alert!.title, '[Memory Alert]');
      assert.equal(alert!.status, 'firing');
      assert.equal(alert!.startsAt, new Date(1406662672000).toISOString());
      assert.equal(alert!.labels.event_type, 'metric_alert_monitor');
      assert.match(alert!.fingerprint, /^dd-h-[0-9a-f]{24}$/);
    });

    it('groups by alert cycle; tags become labels; a recovery resolves the same incident', () => {
      const [triggered] = parse(fixture('datadog-salesforce-triggered.json')).alerts;
      const [recovered] = parse(fixture('datadog-salesforce-recovered.json')).alerts;
      assert.equal(triggered!.fingerprint, 'dd-7716548234011230000');
      assert.equal(recovered!.fingerprint, triggered!.fingerprint);
      assert.equal(triggered!.status, 'firing');
      assert.equal(recovered!.status, 'resolved');
      assert.equal(triggered!.title, 'Salesforce OAuth token rejected');
      assert.equal(recovered!.title, triggered!.title);
      assert.equal(triggered!.labels.env, 'prod');
      assert.equal(triggered!.labels.region, 'eu-west-1');
      assert.equal(triggered!.labels.monitor, '');
      assert.equal(triggered!.labels.alert_priority, 'P1');
      // `$HOSTNAME` was left unfilled by Datadog: absent, not the literal text.
      assert.equal(triggered!.labels.hostname, undefined);
    });

    it('reads the recovery from the title when the transition variable is missing', () => {
      const [alert] = parse({ title: '[Recovered] [Memory Alert]', id: 1 }).alerts;
      assert.equal(alert!.status, 'resolved');
      assert.equal(alert!.title, '[Memory Alert]');
    });

    it('needs a title, and says which variable fills it', () => {
      assert.deepEqual(
        rejected(() => parse({ body: 'x', title: '$EVENT_TITLE' })),
        ['title: required (string): Datadog fills it from $EVENT_TITLE'],
      );
      assert.ok(rejected(() => parse({ title: { nested: true } }))[0]!.startsWith('title: '));
    });
  });

  describe('generic format', () => {
    it('keeps what the sender stated', () => {
      const [alert] = ALERT_FORMATS.generic.parse(fixture('generic-readme-example.json')).alerts;
      assert.equal(alert!.fingerprint, 'sf-cert-chain-prod');
      assert.equal(alert!.source, 'blackbox-exporter');
      assert.deepEqual(alert!.stated, {
        pattern: 'certificate-chain',
        severity: 'sev1',
        region: 'eu',
        euPersonalData: true,
      });
    });
  });

  it('detects the format of a document', () => {
    assert.equal(detectFormat(fixture('alertmanager-probe-failure.json')), 'alertmanager');
    assert.equal(detectFormat(fixture('pagerduty-docs-resolve.json')), 'pagerduty');
    assert.equal(detectFormat(fixture('datadog-default-payload.json')), 'datadog');
    assert.equal(detectFormat(fixture('generic-readme-example.json')), 'generic');
    assert.equal(detectFormat([1, 2]), 'generic');
  });
});
