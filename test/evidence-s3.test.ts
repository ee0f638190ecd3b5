/**
 * The S3-compatible evidence store against a real S3 server (moto, test/helpers/s3.ts): packs are
 * written once, manifest last; a second or concurrent archive keeps the pack that stands; an
 * edited pack is refused and left; a half-written pack is completed; the status page and
 * `lockout evidence list|fetch` read from the bucket; Object Lock retention; bad configuration.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { Connection } from '@temporalio/client';
import { ConfigError, loadConfig } from '../config/env';
import type { S3StoreSettings } from '../config/evidence-env';
import { readPack } from '../evidence/files';
import { s3Store } from '../evidence/s3-store';
import type { EvidenceStore } from '../evidence/store';
import { verifyPack } from '../evidence/verify';
import { createClient } from '../temporal/encrypted';
import { runCli } from './helpers/cli';
import { TEST_KEYS } from './helpers/codec-keys';
import { buildOf, META } from './helpers/evidence-packs';
import { startTestS3, type TestS3 } from './helpers/s3';
import { statusPage } from './helpers/status-page-gateway';

const ID = 'lockout-cert-1';
const LATER = '2026-11-30T20:00:00.000Z';

describe('evidence store in S3 (moto)', function () {
  this.timeout(60_000);
  let s3: TestS3;
  let bucketNo = 0;
  let bucket: string;
  let store: EvidenceStore;
  const settings = (extra: Partial<S3StoreSettings> = {}): S3StoreSettings => ({
    bucket,
    prefix: 'evidence/',
    region: 'us-east-1',
    endpoint: s3.endpoint,
    pathStyle: true,
    ...extra,
  });
  const key = (file: string) => `evidence/${ID}/${file}`;
  const objects = async () =>
    ((await s3.client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => ({
      key: o.Key,
      etag: o.ETag,
      modified: o.LastModified?.toISOString(),
    }));
  const put = (file: string, body: Buffer | string) =>
    s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key(file), Body: body }));

  before(async function () {
    this.timeout(400_000); // the first run installs moto from PyPI
    s3 = await startTestS3(); // no moto: fails saying what to install, like PostgreSQL (docs/testing.md)
  });
  after(async () => s3?.stop());
  beforeEach(async () => {
    bucket = `lockout-evidence-${++bucketNo}`;
    await s3.createBucket(bucket);
    store = s3Store(settings(), s3.client);
  });

  it('archives a pack that lists, locates and reads back whole, and verifies', async () => {
    const archived = await store.archive(ID, buildOf(ID));
    assert.equal(archived.outcome, 'archived');
    assert.equal(archived.location, `s3://${bucket}/evidence/${ID}/ (${new URL(s3.endpoint).host})`);
    const listed = await store.list();
    assert.deepEqual(
      listed.map((p) => [p.incidentId, p.generatedAt, p.seal, p.location]),
      [[ID, META.generatedAt, archived.seal, archived.location]],
    );
    assert.equal(await store.locate(ID), archived.location);
    assert.equal(await store.locate('lockout-other'), undefined);
    const files = (await store.pack(ID))!;
    assert.deepEqual([...files.keys()].sort(), [...listed[0]!.files].sort());
    const verdict = verifyPack(files);
    assert.ok(verdict.ok && verdict.seal === archived.seal, JSON.stringify(verdict));
    assert.deepEqual(await store.read(ID, 'clocks.json'), files.get('clocks.json'));
    assert.equal(await store.read(ID, '../clocks.json'), undefined);
    assert.equal(await store.read(ID, 'nothing.json'), undefined);
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key('report.html') }));
    assert.equal(head.ContentType, 'text/html; charset=utf-8');
  });

  it('keeps the archived pack when archiving again, without building', async () => {
    await store.archive(ID, buildOf(ID));
    const before = await objects();
    let built = 0;
    const again = await store.archive(ID, async () => {
      built++;
      return buildOf(ID, LATER)();
    });
    assert.equal(again.outcome, 'already-archived');
    assert.equal(built, 0);
    assert.deepEqual(await objects(), before);
  });

  it('two concurrent archives of one incident: one archives, one keeps it, one pack stands', async () => {
    const [a, b] = await Promise.all([
      s3Store(settings(), s3.client).archive(ID, buildOf(ID)),
      s3Store(settings(), s3.client).archive(ID, buildOf(ID, LATER)),
    ]);
    assert.deepEqual([a.outcome, b.outcome].sort(), ['already-archived', 'archived']);
    assert.equal(a.seal, b.seal, 'both name the pack that stands');
    const verdict = verifyPack((await store.pack(ID))!);
    assert.ok(verdict.ok && verdict.seal === a.seal, JSON.stringify(verdict));
  });

  it('refuses to archive over a pack edited in the bucket, naming the file, and leaves it', async () => {
    await store.archive(ID, buildOf(ID));
    await put('clocks.json', '{}');
    await assert.rejects(
      store.archive(ID, buildOf(ID, LATER)),
      /does not verify \(clocks\.json.*never overwritten/,
    );
    assert.equal((await store.read(ID, 'clocks.json'))!.toString(), '{}');
  });

  it('completes a pack a writer left without its manifest, keeping what it wrote', async () => {
    const died = (await buildOf(ID)()).files;
    for (const file of ['alerts.json', 'clocks.json', 'report.html']) await put(file, died.get(file)!);
    assert.deepEqual(await store.list(), [], 'no manifest: not a pack yet');
    assert.equal(await store.locate(ID), undefined);
    assert.equal(await store.read(ID, 'clocks.json'), undefined);
    const before = (await objects()).filter((o) => !o.key!.endsWith('report.html'));

    const done = await store.archive(ID, buildOf(ID, LATER));
    assert.equal(done.outcome, 'archived');
    assert.match(done.notes.join('\n'), /report\.html kept as another archive/);
    const files = (await store.pack(ID))!;
    assert.ok(verifyPack(files).ok, JSON.stringify(verifyPack(files)));
    assert.deepEqual(files.get('report.html'), died.get('report.html'), 'the object written first stands');
    const after = await objects();
    for (const o of before)
      assert.deepEqual(
        after.find((a) => a.key === o.key),
        o,
      );
  });

  it('leaves a half-written folder holding a file the pack does not make, writing no manifest', async () => {
    await put('budget.json', '{"ledger":"from a build with a crisis budget"}');
    await assert.rejects(
      store.archive(ID, buildOf(ID)),
      /budget\.json \(.*\) is in the folder of lockout-cert-1 but not in its pack.*no manifest written/,
    );
    assert.equal(await store.locate(ID), undefined);
    assert.ok(!(await objects()).some((o) => o.key === key('manifest.json')));
  });

  it('serves an archived file on the status page from the bucket', async () => {
    await store.archive(ID, buildOf(ID));
    const nowhere = createClient({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }, TEST_KEYS);
    const gateway = await statusPage({ client: nowhere }, store);
    try {
      const as = { 'x-forwarded-user': 'chloe' };
      const list = await (await fetch(`${gateway.base}/status/evidence`, { headers: as })).text();
      assert.ok(list.includes(`href="/status/evidence/${ID}/report.html"`), list);
      const clocks = await fetch(`${gateway.base}/status/evidence/${ID}/clocks.json`, { headers: as });
      assert.equal(clocks.status, 200);
      assert.deepEqual(Buffer.from(await clocks.arrayBuffer()), await store.read(ID, 'clocks.json'));
      await put('notes.txt', 'not listed');
      for (const path of [
        `${ID}/..%2F..%2Fetc%2Fpasswd`,
        `${ID}/notes.txt`,
        `..%2Fevidence%2F${ID}/clocks.json`,
        'lockout-none/report.html',
      ])
        assert.equal(
          (await fetch(`${gateway.base}/status/evidence/${path}`, { headers: as })).status,
          404,
          path,
        );
    } finally {
      await gateway.close();
    }
  });

  it('`lockout evidence list` and `fetch` read the bucket; `verify` checks the fetched pack', async () => {
    const archived = await store.archive(ID, buildOf(ID));
    const work = mkdtempSync(join(tmpdir(), 'lockout-evidence-s3-cli-'));
    try {
      const env = { ...s3.env, LOCKOUT_EVIDENCE_S3_BUCKET: bucket, LOCKOUT_DATA_DIR: work };
      const list = await runCli(['evidence', 'list', '--json'], env);
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(
        JSON.parse(list.stdout).map((p: { incidentId: string; seal: string }) => [p.incidentId, p.seal]),
        [[ID, archived.seal]],
      );
      const out = join(work, 'fetched');
      const fetched = await runCli(['evidence', 'fetch', 'cert-1', '--out', out], env);
      assert.equal(fetched.code, 0, fetched.stderr);
      assert.match(fetched.stdout, /lockout evidence verify/);
      assert.ok(verifyPack(readPack(out)).ok);
      const verified = await runCli(['evidence', 'verify', out]);
      assert.equal(verified.code, 0, verified.stderr);
      assert.match(verified.stdout, new RegExp(`intact: ${ID}.*seal ${archived.seal}`));

      const again = await runCli(['evidence', 'fetch', ID, '--out', out], env);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /is not empty/);
      const hostile = await runCli(['evidence', 'fetch', '../../etc', '--out', join(work, 'h')], env);
      assert.equal(hostile.code, 1);
      assert.match(hostile.stderr, /no archived evidence pack of lockout-\.\.\/\.\.\/etc/);
      assert.ok(!existsSync(join(work, 'h')));
      const plain = await runCli(['evidence', 'list'], env);
      assert.match(plain.stdout, new RegExp(`^INCIDENT .*\\n${ID} +${META.generatedAt}`));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('puts each object under Object Lock COMPLIANCE retention when RETAIN_DAYS is set, and says when the bucket has none', async () => {
    bucket = `lockout-evidence-locked-${bucketNo}`;
    await s3.createBucket(bucket, { objectLock: true });
    const locked = s3Store(settings({ retainDays: 30 }), s3.client);
    const started = Date.now();
    await locked.archive(ID, buildOf(ID));
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key('manifest.json') }));
    assert.equal(head.ObjectLockMode, 'COMPLIANCE');
    const until = head.ObjectLockRetainUntilDate!.getTime();
    assert.ok(
      Math.abs(until - (started + 30 * 86_400_000)) < 60_000,
      head.ObjectLockRetainUntilDate!.toISOString(),
    );
    await assert.rejects(
      s3.client.send(
        new DeleteObjectCommand({ Bucket: bucket, Key: key('manifest.json'), VersionId: head.VersionId }),
      ),
      /AccessDenied|denied/i,
    );
    bucket = `lockout-evidence-unlocked-${bucketNo}`;
    await s3.createBucket(bucket);
    await assert.rejects(
      s3Store(settings({ retainDays: 30 }), s3.client).archive(ID, buildOf(ID)),
      /could not write s3:\/\/lockout-evidence-unlocked-\d+\/evidence\/lockout-cert-1\/alerts\.json.*needs a bucket created with Object Lock enabled/,
    );
  });
});

describe('evidence store configuration', () => {
  const problems = (env: NodeJS.ProcessEnv) => {
    try {
      loadConfig(env);
    } catch (err) {
      if (err instanceof ConfigError) return err.problems.join('\n');
      throw err;
    }
    return assert.fail('the configuration was accepted');
  };

  it('selects the S3 store with the bucket, and fills in the defaults', () => {
    assert.equal(loadConfig({}).evidence.s3, undefined);
    assert.deepEqual(
      loadConfig({ LOCKOUT_EVIDENCE_S3_BUCKET: 'lockout-evidence', AWS_REGION: 'eu-west-1' }).evidence.s3,
      {
        bucket: 'lockout-evidence',
        prefix: 'evidence/',
        region: 'eu-west-1',
        endpoint: undefined,
        pathStyle: false,
        retainDays: undefined,
      },
    );
    const minio = loadConfig({
      LOCKOUT_EVIDENCE_S3_BUCKET: 'packs',
      LOCKOUT_EVIDENCE_S3_PREFIX: 'lockout/evidence',
      LOCKOUT_EVIDENCE_S3_ENDPOINT: 'http://minio.internal:9000/',
      LOCKOUT_EVIDENCE_S3_RETAIN_DAYS: '2555',
    }).evidence.s3;
    assert.deepEqual(minio, {
      bucket: 'packs',
      prefix: 'lockout/evidence/',
      region: 'us-east-1',
      endpoint: 'http://minio.internal:9000',
      pathStyle: true,
      retainDays: 2555,
    });
  });

  it('refuses bad values, naming the variable and what to fix', () => {
    const bucket = { LOCKOUT_EVIDENCE_S3_BUCKET: 'lockout-evidence' };
    for (const [env, expected] of [
      [
        { ...bucket, LOCKOUT_EVIDENCE_S3_RETAIN_DAYS: 'seven years' },
        /LOCKOUT_EVIDENCE_S3_RETAIN_DAYS: must be a whole number/,
      ],
      [
        { ...bucket, LOCKOUT_EVIDENCE_S3_RETAIN_DAYS: '0' },
        /LOCKOUT_EVIDENCE_S3_RETAIN_DAYS: must be at least 1/,
      ],
      [
        { LOCKOUT_EVIDENCE_S3_BUCKET: ' ', LOCKOUT_EVIDENCE_S3_ENDPOINT: 'http://x:9000' },
        /LOCKOUT_EVIDENCE_S3_BUCKET: not set \(or blank\), but LOCKOUT_EVIDENCE_S3_ENDPOINT is/,
      ],
      [{ LOCKOUT_EVIDENCE_S3_BUCKET: 'a/b' }, /LOCKOUT_EVIDENCE_S3_BUCKET: must be a bucket name/],
      [
        { ...bucket, LOCKOUT_EVIDENCE_S3_ENDPOINT: 'ftp://x' },
        /LOCKOUT_EVIDENCE_S3_ENDPOINT: must be an http\(s\) URL/,
      ],
      [
        { ...bucket, LOCKOUT_EVIDENCE_S3_PREFIX: '../x/' },
        /LOCKOUT_EVIDENCE_S3_PREFIX: must be a key prefix/,
      ],
      [
        { ...bucket, LOCKOUT_EVIDENCE_S3_PATH_STYLE: 'yes' },
        /LOCKOUT_EVIDENCE_S3_PATH_STYLE: must be "true" or "false"/,
      ],
      [
        { ...bucket, LOCKOUT_EVIDENCE_DIR: '/srv/evidence' },
        /LOCKOUT_EVIDENCE_DIR, LOCKOUT_EVIDENCE_S3_BUCKET: both set/,
      ],
    ] as const)
      assert.match(problems(env), expected, JSON.stringify(env));
  });
});
