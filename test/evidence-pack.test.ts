/**
 * The evidence pack builder and its verifier, in process (docs/evidence.md): a pack of an incident
 * with approvals, a missed clock and a failed delivery verifies; each kind of tampering is caught
 * and named; the zip reads back as the directory does; the store writes a pack once and keeps it.
 * The pack of a real incident, its PDF and the archive on close are in test/evidence.test.ts.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrisisBudgetConfig, crisisLedger } from '../domain/crisis-budget';
import { readPack, writePackDir } from '../evidence/files';
import { packContents, sealPack, type PackFiles } from '../evidence/pack';
import { directoryStore } from '../evidence/store';
import { verifyPack, type Verdict } from '../evidence/verify';
import { unzipPack, zipPack } from '../evidence/zip';
import { runCli } from './helpers/cli';
import { buildOf, META, packOf, sourceOf, T } from './helpers/evidence-packs';

const findings = (v: Verdict) => (v.ok ? [] : v.findings);

function timelineLines(files: PackFiles): string[] {
  return files.get('timeline.jsonl')!.toString('utf8').trimEnd().split('\n');
}

describe('evidence pack (in process)', () => {
  it('verifies a pack of an incident with approvals, a missed clock and a failed delivery', () => {
    const files = packOf('lockout-cert-1');
    const verdict = verifyPack(files);
    assert.ok(verdict.ok, JSON.stringify(findings(verdict)));
    assert.equal(verdict.timelineEntries, 6);
    for (const name of [
      'manifest.json',
      'timeline.jsonl',
      'alerts.json',
      'decisions.json',
      'clocks.json',
      'deliveries.json',
      'remediation.json',
      'controls.json',
      'gdpr-art33-record.json',
      'report.html',
    ])
      assert.ok(files.has(name), name);

    const decisions = JSON.parse(files.get('decisions.json')!.toString()).decisions;
    assert.deepEqual(
      decisions.map((d: { by: string; channel: string; outcome: string }) => [
        d.by,
        d.channel,
        d.outcome.split(':')[0],
      ]),
      [
        ['ben', 'CLI', 'accepted'],
        ['ben', 'status page', 'refused'],
        ['dev', 'signed link', 'signal'],
        ['ana', 'Temporal Web UI', 'signal'],
      ],
    );
    const clocks = JSON.parse(files.get('clocks.json')!.toString()).clocks;
    assert.deepEqual(
      clocks.find((c: { id: string }) => c.id === 'ack-15m'),
      {
        id: 'ack-15m',
        title: 'Acknowledged',
        legal: false,
        from: 'detected',
        within: '15m',
        state: 'missed',
        startedAt: T(0),
        deadline: T(15),
        lateByMs: 300_000,
      },
    );
    assert.equal(clocks.find((c: { id: string }) => c.id === 'gdpr-art33').recordedBy, 'kemi');
    const deliveries = JSON.parse(files.get('deliveries.json')!.toString());
    assert.deepEqual(
      deliveries.failures.map((d: { recipient: string }) => d.recipient),
      ['ben'],
    );
    const controls = JSON.parse(files.get('controls.json')!.toString()).controls.map(
      (c: { id: string }) => c.id,
    );
    for (const id of [
      'A.5.24',
      'A.5.25',
      'A.5.26',
      'A.5.27',
      'A.5.28',
      'A.6.8',
      'A.8.15',
      'A.8.16',
      'A.8.24',
      'Art. 33(5)',
    ])
      assert.ok(controls.includes(id), id);
    assert.ok(!controls.includes('Art. 23'), 'NIS2 only where a NIS2 clock is configured');
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    assert.deepEqual(manifest.timeRange, { from: T(0), to: T(400) });
    assert.equal(manifest.runbook.id, 'certificate-chain');
  });

  it('leaves out the Art. 33(5) record without EU personal data', () => {
    const source = sourceOf('lockout-us-1');
    source.status.facts.euPersonalData = false;
    const files = sealPack(source, packContents(source, META), META).files;
    assert.equal(files.has('gdpr-art33-record.json'), false);
    assert.ok(verifyPack(files).ok);
  });

  it('carries the crisis budget ledger as budget.json when given one, sealed like every file', () => {
    const source = sourceOf('lockout-budget-1');
    const budget = crisisLedger(
      source.status,
      CrisisBudgetConfig.parse({ normalCost: 100 }),
      () => ({ rate: 90, role: 'sre' }),
      META.generatedAt,
    );
    const meta = { ...META, budget };
    const { files, manifest } = sealPack(source, packContents(source, meta), meta);
    const written = JSON.parse(files.get('budget.json')!.toString('utf8')) as {
      incidentId: string;
      ledger: typeof budget;
    };
    assert.equal(written.incidentId, 'lockout-budget-1');
    assert.deepEqual(written.ledger, budget);
    assert.ok(
      budget.lines.some((l) => l.kind === 'responder-time'),
      'responders acknowledged: time is billed',
    );
    assert.ok(manifest.files.some((f) => f.name === 'budget.json'));
    const report = files.get('report.html')!.toString('utf8');
    assert.match(
      report,
      /<h2>Crisis budget<\/h2><p><span class="\w+">[\d.]+ EUR of 300\.00 EUR \(\d+ %, \w+\)/,
    );
    assert.ok(
      budget.lines.every((l) => report.includes(l.detail.replace(/&/g, '&amp;'))),
      'every ledger line in the report',
    );
    assert.ok(!packOf('lockout-budget-3').get('report.html')!.toString('utf8').includes('Crisis budget'));
    assert.ok(verifyPack(files).ok);
    files.set(
      'budget.json',
      Buffer.from(files.get('budget.json')!.toString('utf8').replace('"total"', '"totaI"')),
    );
    assert.deepEqual(
      findings(verifyPack(files)).map((f) => [f.file, f.kind]),
      [['budget.json', 'edited']],
    );
    assert.equal(packOf('lockout-budget-2').has('budget.json'), false, 'no budget given: no file');
  });

  it('names a byte edited in a file: the file, the bytes and the line', () => {
    const files = packOf('lockout-cert-1');
    const text = files.get('decisions.json')!.toString('utf8');
    const at = text.indexOf('"dev"');
    const edited = Buffer.from(text);
    edited[at + 1] = 'e'.charCodeAt(0); // dev → eev
    files.set('decisions.json', edited);
    const [finding, ...rest] = findings(verifyPack(files));
    assert.equal(rest.length, 0);
    assert.equal(finding!.file, 'decisions.json');
    assert.equal(finding!.kind, 'edited');
    const line = text.slice(0, at).split('\n').length;
    const block = Math.floor((at + 1) / 1024) * 1024;
    assert.match(finding!.where!, new RegExp(`^bytes ${block}–\\d+ \\(from line \\d+\\)$`));
    assert.ok(line >= Number(/line (\d+)/.exec(finding!.where!)![1]));
  });

  it('names a timeline entry edited, removed or reordered, even with the manifest left alone', () => {
    const editedEntry = packOf('lockout-cert-1');
    const lines = timelineLines(editedEntry);
    lines[3] = lines[3]!.replace('acknowledged by ana', 'acknowledged by eve');
    editedEntry.set('timeline.jsonl', Buffer.from(`${lines.join('\n')}\n`));
    const edited = findings(verifyPack(editedEntry)).filter(
      (f) => f.file === 'timeline.jsonl' && f.where?.startsWith('line'),
    );
    assert.deepEqual(
      edited.map((f) => [f.kind, f.where]),
      [['edited', 'line 4 (entry 4)']],
    );

    const removed = packOf('lockout-cert-1');
    removed.set(
      'timeline.jsonl',
      Buffer.from(
        `${timelineLines(removed)
          .filter((_, i) => i !== 2)
          .join('\n')}\n`,
      ),
    );
    const gone = findings(verifyPack(removed)).filter((f) => f.file === 'timeline.jsonl');
    assert.deepEqual(gone, [
      { file: 'timeline.jsonl', kind: 'removed', where: 'before line 3', detail: 'entry 3 is missing' },
    ]);

    const lastRemoved = packOf('lockout-cert-1');
    lastRemoved.set('timeline.jsonl', Buffer.from(`${timelineLines(lastRemoved).slice(0, -1).join('\n')}\n`));
    const cut = findings(verifyPack(lastRemoved)).filter((f) => f.file === 'timeline.jsonl');
    assert.deepEqual(
      cut.map((f) => [f.kind, f.where, f.detail]),
      [['removed', 'end (after line 5)', 'entry 6 is missing']],
    );

    const reordered = packOf('lockout-cert-1');
    const order = timelineLines(reordered);
    [order[1], order[2]] = [order[2]!, order[1]!];
    reordered.set('timeline.jsonl', Buffer.from(`${order.join('\n')}\n`));
    const moved = findings(verifyPack(reordered)).filter((f) => f.file === 'timeline.jsonl');
    assert.deepEqual(
      moved.map((f) => [f.kind, f.where, f.detail]),
      [['reordered', 'line 3 (entry 2)', 'entry 2 is out of order: it comes after entry 3']],
    );
  });

  it('names a file swapped for another incident’s, a missing file, an extra file and an edited manifest', () => {
    const files = packOf('lockout-cert-1');
    const other = packOf('lockout-cert-2', 'Another lockout');
    files.set('clocks.json', other.get('clocks.json')!);
    files.delete('controls.json');
    files.set('notes.txt', Buffer.from('added later'));
    const kinds = findings(verifyPack(files)).map((f) => [f.file, f.kind, f.detail]);
    assert.deepEqual(kinds, [
      ['clocks.json', 'swapped', "it is incident lockout-cert-2's, not lockout-cert-1's"],
      ['controls.json', 'missing', 'listed in the manifest, not in the pack'],
      ['notes.txt', 'extra', 'not listed in the manifest'],
    ]);

    const manifestEdited = packOf('lockout-cert-1');
    manifestEdited.set(
      'manifest.json',
      Buffer.from(manifestEdited.get('manifest.json')!.toString().replace('"runs": 1', '"runs": 2')),
    );
    assert.deepEqual(
      findings(verifyPack(manifestEdited)).map((f) => [f.file, f.kind]),
      [['manifest.json', 'edited']],
    );
  });

  it('catches a pack rebuilt from scratch only against the seal recorded elsewhere', () => {
    const original = packOf('lockout-cert-1');
    const seal = JSON.parse(original.get('manifest.json')!.toString()).seal as string;
    const forged = packOf('lockout-cert-1', 'A different story');
    assert.ok(verifyPack(forged).ok, 'a consistent forgery verifies on its own');
    assert.deepEqual(
      findings(verifyPack(forged, { expectSeal: seal })).map((f) => f.kind),
      ['unsealed'],
    );
    assert.ok(verifyPack(original, { expectSeal: seal }).ok);
  });

  it('reads a zip as the directory, byte for byte, and the same pack zips to the same bytes', () => {
    const files = packOf('lockout-cert-1');
    const zip = zipPack(files, 'evidence-lockout-cert-1');
    assert.deepEqual(zipPack(files, 'evidence-lockout-cert-1'), zip);
    const back = unzipPack(zip);
    assert.deepEqual([...back.keys()].sort(), [...files.keys()].sort());
    assert.ok(verifyPack(back).ok);
  });

  it('escapes hostile text in the report and draws the chart', () => {
    const files = packOf('lockout-cert-1', '<script>alert(1)</script>\u202e');
    const html = files.get('report.html')!.toString();
    assert.ok(!html.includes('<script>'));
    assert.ok(html.includes('&lt;script&gt;'));
    assert.ok(!html.includes('\u202e'));
    assert.match(html, /<svg[^>]*aria-label="Incident timeline chart"/);
    assert.match(html, /clock: Acknowledged/);
  });

  describe('directory store', () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'lockout-evidence-store-'));
    });
    afterEach(() => {
      for (const dir of readdirSync(root)) chmodSync(join(root, dir), 0o755);
      rmSync(root, { recursive: true, force: true });
    });

    const build = (id: string) => buildOf(id);

    it('writes a pack once; a second archive keeps the first without building again', async () => {
      const store = directoryStore(root);
      const first = await store.archive('lockout-cert-1', build('lockout-cert-1'));
      assert.equal(first.outcome, 'archived');
      assert.ok(verifyPack(readPack(first.location)).ok);
      let built = 0;
      const second = await store.archive('lockout-cert-1', async () => {
        built++;
        return build('lockout-cert-1')();
      });
      assert.deepEqual(second, {
        outcome: 'already-archived',
        location: first.location,
        seal: first.seal,
        notes: [],
      });
      assert.equal(built, 0);
      assert.deepEqual(readdirSync(root), ['lockout-cert-1'], 'no temporary folder left behind');
      assert.equal(await store.locate('lockout-cert-1'), first.location);
      assert.equal(await store.locate('lockout-other'), undefined);
    });

    it('refuses to overwrite a pack that no longer verifies, and leaves it as it is', async () => {
      const dir = join(root, 'lockout-cert-1');
      writePackDir(dir, packOf('lockout-cert-1'));
      chmodSync(join(dir, 'clocks.json'), 0o644);
      writeFileSync(join(dir, 'clocks.json'), '{}');
      await assert.rejects(
        directoryStore(root).archive('lockout-cert-1', build('lockout-cert-1')),
        /does not verify \(clocks\.json.*never overwritten/,
      );
      assert.equal(readPack(dir).get('clocks.json')!.toString(), '{}');
    });

    it('reads files of whole packs only, and `lockout evidence list|fetch` take packs out of it', async function () {
      this.timeout(60_000); // the real CLI, three times
      const store = directoryStore(root);
      const archived = await store.archive('lockout-cert-1', build('lockout-cert-1'));
      assert.deepEqual(
        await store.read('lockout-cert-1', 'clocks.json'),
        readPack(archived.location).get('clocks.json'),
      );
      for (const hostile of ['../lockout-cert-1/clocks.json', '.hidden', ''])
        assert.equal(await store.read('lockout-cert-1', hostile), undefined, hostile);
      assert.equal(await store.read('../lockout-cert-1', 'clocks.json'), undefined);

      const env = { LOCKOUT_EVIDENCE_DIR: root };
      const list = await runCli(['evidence', 'list', '--json'], env);
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(
        JSON.parse(list.stdout).map((p: { incidentId: string; location: string }) => [
          p.incidentId,
          p.location,
        ]),
        [['lockout-cert-1', archived.location]],
      );
      const out = mkdtempSync(join(tmpdir(), 'lockout-evidence-fetched-'));
      try {
        const fetched = await runCli(
          ['evidence', 'fetch', 'cert-1', '--out', join(out, 'pack'), '--json'],
          env,
        );
        assert.equal(fetched.code, 0, fetched.stderr);
        assert.equal(JSON.parse(fetched.stdout).location, archived.location);
        assert.deepEqual(readPack(join(out, 'pack')), readPack(archived.location));
        const missing = await runCli(['evidence', 'fetch', 'lockout-none', '--out', join(out, 'none')], env);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /no archived evidence pack of lockout-none in .*lockout evidence list/);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  });
});
