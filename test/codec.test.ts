/**
 * Payload encryption (docs/privacy.md): the codec on its own, then on a real (dev)
 * server: what anyone with access to the namespace reads of an incident's history, what a
 * responder reads through the codec, a wrong or missing key, a key rotation mid-incident, and a
 * region's key for that region's CRM writes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bufferWrites } from '../client/crm-sync';
import { connectWorkers, createClient } from '../temporal/encrypted';
import { CodecKeyError, KeyRing, parseKeyRing, type CodecKey } from '../temporal/key-ring';
import { EncryptionCodec, ENCRYPTED_ENCODING, keyIdOf } from '../temporal/payload-codec';
import { acknowledgeUpdate } from '../workflows/messages';
import { createIncidentWorker } from '../workers/worker';
import { TEST_KEYS } from './helpers/codec-keys';
import { testDeps } from './helpers/deps';
import { keyIdsIn, readableText } from './helpers/history-text';
import { incidentStatus, sendAlert, terminateOpenIncidents } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { runbookFromYaml } from './helpers/runbooks';
import { startLocalTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';

const key = (id: string, region: CodecKey['region'] = 'global'): CodecKey => ({
  id,
  region,
  key: randomBytes(32),
});
const plain = (text: string): Payload => ({
  metadata: { encoding: Buffer.from('json/plain') },
  data: Buffer.from(JSON.stringify(text)),
});
const textOf = (p: Payload) => Buffer.from(p.data ?? []).toString();

describe('payload codec: AES-256-GCM with a key ring', () => {
  it('encrypts the whole payload, naming only the encoding and the key id, and decrypts it back', async () => {
    const codec = new EncryptionCodec(new KeyRing([key('k1')]));
    const [encrypted] = await codec.encode([plain('ana.ortiz@example.com')]);
    assert.deepEqual(Object.keys(encrypted!.metadata!).sort(), ['encoding', 'encryption-key-id']);
    assert.equal(Buffer.from(encrypted!.metadata!.encoding!).toString(), ENCRYPTED_ENCODING);
    assert.equal(keyIdOf(encrypted!), 'k1');
    assert.ok(!Buffer.from(encrypted!.data!).toString('latin1').includes('ana.ortiz'));
    const [back] = await codec.decode([encrypted!]);
    assert.equal(textOf(back!), '"ana.ortiz@example.com"');
    assert.equal(Buffer.from(back!.metadata!.encoding!).toString(), 'json/plain');
  });

  it('passes payloads that are not encrypted through (histories recorded before encryption)', async () => {
    const codec = new EncryptionCodec(new KeyRing([key('k1')]));
    const [same] = await codec.decode([plain('old')]);
    assert.equal(textOf(same!), '"old"');
  });

  it('rotates: the newest key encrypts, older keys still decrypt; a ring without the old key says so', async () => {
    const k1 = key('k1');
    const before = new EncryptionCodec(new KeyRing([k1]));
    const after = new EncryptionCodec(new KeyRing([k1, key('k2')]));
    const [old] = await before.encode([plain('x')]);
    const [fresh] = await after.encode([plain('y')]);
    assert.equal(keyIdOf(fresh!), 'k2');
    assert.equal(textOf((await after.decode([old!]))[0]!), '"x"');
    const withoutK1 = new EncryptionCodec(new KeyRing([key('k2')]));
    await assert.rejects(
      withoutK1.decode([old!]),
      (err: Error) =>
        err instanceof CodecKeyError && /key "k1", which is not in this process's key ring/.test(err.message),
    );
  });

  it('says so when the key under a payload id is a different key, and when the ciphertext was altered', async () => {
    const [encrypted] = await new EncryptionCodec(new KeyRing([key('k1')])).encode([plain('x')]);
    const impostor = new EncryptionCodec(new KeyRing([key('k1')]));
    await assert.rejects(
      impostor.decode([encrypted!]),
      /does not decrypt with the key of that id configured here/,
    );
    // The key id is bound to the ciphertext: relabelled under another id it does not decrypt.
    const k = key('a');
    const ring = new KeyRing([k, { ...k, id: 'b' }]);
    const [sealed] = await new EncryptionCodec(ring).encode([plain('x')]);
    sealed!.metadata!['encryption-key-id'] = Buffer.from('a');
    await assert.rejects(new EncryptionCodec(ring).decode([sealed!]), CodecKeyError);
  });

  it('encrypts a region-bound workflow with its region key, and refuses where that key is not configured', async () => {
    const ring = new KeyRing([key('g'), key('eu-1', 'eu')]);
    const codec = new EncryptionCodec(ring);
    const context = {
      type: 'workflow',
      namespace: 'default',
      workflowId: 'crm-sync-eu:contact:email:1',
    } as const;
    const [eu] = await codec.encode([plain('Müller')], context);
    assert.equal(keyIdOf(eu!), 'eu-1');
    const [incident] = await codec.encode([plain('x')], { ...context, workflowId: 'lockout-abc' });
    assert.equal(keyIdOf(incident!), 'g');
    const usOnly = new EncryptionCodec(new KeyRing([key('g2')]));
    await assert.rejects(usOnly.encode([plain('x')], context), /no "eu" key is configured here/);
    await assert.rejects(usOnly.decode([eu!]), /key "eu-1", which is not in this process's key ring/);
  });

  it('reads key rings as JSON and names what is wrong with one', () => {
    const good = randomBytes(32).toString('base64');
    assert.equal(
      parseKeyRing(JSON.stringify({ keys: [{ id: 'a', key: good }] }), 'f').keys[0]!.region,
      'global',
    );
    for (const [ring, problem] of [
      ['not json', /f is not JSON/],
      [{ keys: [] }, /keys must list at least one key/],
      [{ keys: [{ id: 'a', key: 'c2hvcnQ=' }] }, /keys\.0\.key must be 32 bytes in base64/],
      [
        {
          keys: [
            { id: 'a', key: good },
            { id: 'a', key: good },
          ],
        },
        /key ids must be unique/,
      ],
      [{ keys: [{ id: 'a', region: 'eu', key: good }] }, /must list a key of region "global"/],
      [{ keys: [{ id: 'a', region: 'mars', key: good }] }, /keys\.0\.region must be one of global, eu, us/],
    ] as const) {
      assert.throws(
        () => parseKeyRing(typeof ring === 'string' ? ring : JSON.stringify(ring), 'f'),
        (err: Error) =>
          err instanceof CodecKeyError && problem.test(err.message) && !err.message.includes(good),
        JSON.stringify(ring),
      );
    }
  });
});

describe('payload encryption on a real server (dev server)', function () {
  this.timeout(240_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;

  // Personal data and sender free text planted in an incident: none of it may be readable in
  // Temporal without the codec, all of it must be readable through it.
  const TITLE = 'Checkout lockout reported by Kunde Müller GmbH';
  const CUSTOMER = 'CUST-4711-MUELLER';
  const PLANTED = ['ana.ortiz@example.com', '+4915100000001', 'Ana Ortiz', CUSTOMER, TITLE];

  const runbook = runbookFromYaml(`
id: codec-test
version: 1
title: Codec test
escalation:
  levels:
    - { after: 15m, notify: [engineering] }
steps:
  - { id: tell-ops, kind: notify, audience: operations, template: ops-technical-alert, channels: [email, sms] }
  - { id: wait, kind: wait, for: 30m }
onResolve: { notify: [operations] }
`);

  // The dev server: real time, so a workflow task left on a stopped worker's sticky queue moves
  // on to the shared queue by itself (the time-skipping server would wait for skipped time).
  before(async () => {
    mail = await startMailCatcher();
    env = await startLocalTemporal();
  });
  after(async () => {
    await env?.teardown();
    await mail?.close();
  });

  const namespace = () => env.namespace ?? 'default';

  async function rawHistory(workflowId: string): Promise<unknown> {
    return JSON.parse(
      historyToJSON(await env.client.workflow.getHandle(workflowId).fetchHistory()),
    ) as unknown;
  }

  /** What Temporal keeps about the workflow beside its history: search attributes, memo, summary. */
  async function rawDescription(workflowId: string): Promise<unknown> {
    const service = env.connection.workflowService;
    const described = await service.describeWorkflowExecution({
      namespace: namespace(),
      execution: { workflowId },
    });
    return described.toJSON();
  }

  async function openPlantedIncident(client: Client, taskQueue: string): Promise<string> {
    const { incidentId } = await sendAlert(
      client,
      taskQueue,
      {
        title: TITLE,
        pattern: 'certificate-chain',
        severity: 'sev1',
        region: 'eu',
        description: `Customer ${CUSTOMER} cannot pay`,
        labels: { customer: CUSTOMER },
      },
      [runbook],
    );
    return incidentId;
  }

  async function untilDelivered(client: Client, incidentId: string, count = 1): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if ((await incidentStatus(client, incidentId)).deliveries.length >= count) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`incident ${incidentId} delivered fewer than ${count} messages`);
  }

  it('keeps no planted personal data or sender text readable without the codec; all of it reads through it', async () => {
    const taskQueue = uniqueTaskQueue('codec');
    const worker = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: namespace(),
      taskQueue,
      deps: testDeps(mail.url),
      workflowBundle: await workflowBundle(),
    });
    await worker.runUntil(async () => {
      const incidentId = await openPlantedIncident(env.client, taskQueue);
      await untilDelivered(env.client, incidentId);
      await env.client.workflow
        .getHandle(incidentId)
        .executeUpdate(acknowledgeUpdate, { args: [{ by: 'ana' }] });

      const history = await rawHistory(incidentId);
      const withoutCodec = await readableText([history, await rawDescription(incidentId)]);
      const throughCodec = await readableText(history, new EncryptionCodec(TEST_KEYS));
      assert.ok(withoutCodec.includes(ENCRYPTED_ENCODING), 'payloads are stored encrypted');
      for (const planted of PLANTED) {
        assert.ok(throughCodec.includes(planted), `through the codec the history reads "${planted}"`);
        assert.ok(!withoutCodec.includes(planted), `without the codec "${planted}" is not readable`);
      }
      assert.deepEqual([...keyIdsIn(history)], ['fixture-global-1']);
      await terminateOpenIncidents(env.client, taskQueue);
    });
  });

  it('a worker without the key fails the workflow task with a clear error, keeps running, and the incident goes on once the key is there', async () => {
    const taskQueue = uniqueTaskQueue('codec-wrong-key');
    const otherKeys = new KeyRing([key('someone-elses-key')]);
    const wrongConnection = await connectWorkers({ address: env.address }, otherKeys);
    try {
      const wrong = await createIncidentWorker({
        connection: wrongConnection,
        namespace: namespace(),
        taskQueue,
        deps: testDeps(mail.url),
        workflowBundle: await workflowBundle(),
      });
      let incidentId = '';
      await wrong.runUntil(async () => {
        incidentId = await openPlantedIncident(env.client, taskQueue);
        let failure: string | undefined;
        for (let i = 0; i < 200 && !failure; i++) {
          const events = (await env.client.workflow.getHandle(incidentId).fetchHistory()).events ?? [];
          const failed = events.find(
            (e) => e.workflowTaskFailedEventAttributes,
          )?.workflowTaskFailedEventAttributes;
          // The failure's message is encrypted too (with the worker's own key).
          const encoded = failed?.failure?.encodedAttributes;
          if (encoded) {
            const [decoded] = await new EncryptionCodec(otherKeys).decode([encoded as Payload]);
            failure = (JSON.parse(textOf(decoded!)) as { message: string }).message;
          } else if (failed) failure = failed.failure?.message ?? '';
          else await new Promise((r) => setTimeout(r, 100));
        }
        assert.match(failure ?? '', /key "fixture-global-1", which is not in this process's key ring/);
        assert.equal(wrong.getState(), 'RUNNING', 'the worker is still up: no crash, no restart loop');
      });
      const right = await createIncidentWorker({
        connection: env.nativeConnection,
        namespace: namespace(),
        taskQueue,
        deps: testDeps(mail.url),
        workflowBundle: await workflowBundle(),
      });
      await right.runUntil(async () => {
        await untilDelivered(env.client, incidentId);
        await terminateOpenIncidents(env.client, taskQueue);
      });
    } finally {
      await wrongConnection.close();
    }
  });

  it('a client without the key gets a clear error reading the incident, not garbage', async () => {
    const taskQueue = uniqueTaskQueue('codec-client');
    const worker = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: namespace(),
      taskQueue,
      deps: testDeps(mail.url),
      workflowBundle: await workflowBundle(),
    });
    await worker.runUntil(async () => {
      const incidentId = await openPlantedIncident(env.client, taskQueue);
      await untilDelivered(env.client, incidentId);
      const stranger = createClient(
        { connection: env.connection, namespace: namespace() },
        new KeyRing([key('x')]),
      );
      await assert.rejects(
        incidentStatus(stranger, incidentId),
        /key "fixture-global-1", which is not in this process's key ring/,
      );
      await terminateOpenIncidents(env.client, taskQueue);
    });
  });

  it('rotates the key mid-incident: the incident stays readable and goes on, new payloads under the new key', async () => {
    const taskQueue = uniqueTaskQueue('codec-rotation');
    const before = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: namespace(),
      taskQueue,
      deps: testDeps(mail.url),
      workflowBundle: await workflowBundle(),
    });
    let incidentId = '';
    await before.runUntil(async () => {
      incidentId = await openPlantedIncident(env.client, taskQueue);
      await untilDelivered(env.client, incidentId);
    });

    // Rotation: a new global key at the end of the ring; the old one stays to decrypt.
    const rotated = new KeyRing([...TEST_KEYS.keys, key('rotated-global-2')]);
    const connection = await connectWorkers({ address: env.address }, rotated);
    try {
      const client = createClient({ connection: env.connection, namespace: namespace() }, rotated);
      const after = await createIncidentWorker({
        connection,
        namespace: namespace(),
        taskQueue,
        deps: testDeps(mail.url),
        workflowBundle: await workflowBundle(),
      });
      await after.runUntil(async () => {
        const outcome = await client.workflow
          .getHandle(incidentId)
          .executeUpdate(acknowledgeUpdate, { args: [{ by: 'ana' }] });
        assert.ok(outcome);
        const status = await incidentStatus(client, incidentId);
        assert.equal(status.phase, 'acknowledged');
        assert.equal(status.alerts[0]?.title, TITLE);
        const history = await rawHistory(incidentId);
        assert.deepEqual([...keyIdsIn(history)].sort(), ['fixture-global-1', 'rotated-global-2']);
        const text = await readableText(history, new EncryptionCodec(rotated));
        for (const planted of PLANTED) assert.ok(text.includes(planted), planted);
        // A process still on the old ring cannot read what the new key wrote: roll keys out to
        // every process before any starts encrypting with it (docs/privacy.md).
        await assert.rejects(incidentStatus(env.client, incidentId), /key "rotated-global-2"/);
        await terminateOpenIncidents(client, taskQueue);
      });
    } finally {
      await connection.close();
    }
  });

  it("encrypts a region's CRM writes with that region's key; a process without it cannot read them", async () => {
    const taskQueue = uniqueTaskQueue('codec-crm');
    const [receipt] = await bufferWrites(env.client, taskQueue, [
      {
        writeId: 'w-codec-1',
        object: 'Contact',
        externalIdField: 'Shop_Customer_Id__c',
        externalId: CUSTOMER,
        fields: { LastName: 'Müller', Email: 'kunde.mueller@example.com' },
        region: 'eu',
      },
    ]);
    const history = await rawHistory(receipt!.record);
    assert.deepEqual([...keyIdsIn(history)], ['fixture-eu-1']);
    const euText = await readableText(history, new EncryptionCodec(TEST_KEYS));
    assert.ok(euText.includes('kunde.mueller@example.com'));
    assert.ok(!(await readableText(history)).includes('kunde.mueller@example.com'));
    const withoutEu = new KeyRing(TEST_KEYS.keys.filter((k) => k.region !== 'eu'));
    await assert.rejects(readableText(history, new EncryptionCodec(withoutEu)), /key "fixture-eu-1"/);
    await env.client.workflow.getHandle(receipt!.record).terminate('test done');
  });
});
