/**
 * The workflow bundle built ahead of the workers (`npm run bundle`, LOCKOUT_WORKFLOW_BUNDLE): a
 * worker uses it only while it matches the code and the tracing setting, bundles at start
 * otherwise and says why, and refuses a file that is no bundle. Real webpack, a real dev server.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import type { Worker } from '@temporalio/worker';
import { createConfiguredWorkers } from '../app/workers';
import { loadConfig } from '../config/env';
import { activeTracing } from '../lib/tracing';
import {
  checkPrebuiltBundle,
  codeFingerprint,
  NotABundle,
  writePrebuiltBundle,
} from '../temporal/prebuilt-bundle';
import { WORKFLOWS_PATH } from '../workers/worker';
import { testDeps } from './helpers/deps';
import { sendAlert, terminateOpenIncidents } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { startLocalTemporal, uniqueTaskQueue } from './helpers/temporal';

const ROOT = join(__dirname, '..');

describe('the prebuilt workflow bundle: npm run bundle and LOCKOUT_WORKFLOW_BUNDLE', function () {
  this.timeout(180_000);
  let dir: string;
  let bundle: string;
  const tracing = () => activeTracing() !== undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prebuilt-bundle-'));
    bundle = join(dir, 'workflow-bundle.js');
    await writePrebuiltBundle(WORKFLOWS_PATH, bundle, { tracing: tracing() });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The bundle with its bundle line changed by `edit`. */
  function edited(name: string, edit: (text: string) => string): string {
    const path = join(dir, name);
    writeFileSync(path, edit(readFileSync(bundle, 'utf8')));
    return path;
  }

  it('is used while it matches this code and tracing setting, and its source map still ends the file', () => {
    const choice = checkPrebuiltBundle(bundle, { tracing: tracing() });
    assert.equal(choice.use, true, JSON.stringify(choice));
    assert.equal(choice.use && choice.header.fingerprint, codeFingerprint());
    const text = readFileSync(bundle, 'utf8');
    assert.ok(
      text.lastIndexOf('// lockout-runbook workflow bundle: ') <
        text.lastIndexOf('//# sourceMappingURL=data:'),
      'the bundle line comes before the source map comment',
    );
  });

  it('is not used for other code or another tracing setting, saying which', () => {
    const stale = edited('stale.js', (t) =>
      t.replace(/"fingerprint":"sha256:[0-9a-f]{64}"/, `"fingerprint":"sha256:${'0'.repeat(64)}"`),
    );
    const other = checkPrebuiltBundle(stale, { tracing: tracing() });
    assert.deepEqual(other.use, false);
    assert.match(!other.use ? other.reason : '', /built .* from other code than this worker's/);
    const mismatch = checkPrebuiltBundle(bundle, { tracing: !tracing() });
    assert.deepEqual(mismatch.use, false);
    assert.match(!mismatch.use ? mismatch.reason : '', /tracing/);
  });

  it('refuses a file that is no bundle, a damaged bundle line and a missing file', () => {
    const plain = join(dir, 'plain.js');
    writeFileSync(plain, 'module.exports = {};\n');
    const damaged = edited('damaged.js', (t) => t.replace('"tracing":', '"tracing":"yes",'));
    for (const [path, reason] of [
      [plain, /is not a workflow bundle written by `npm run bundle`/],
      [damaged, /its bundle line is not one `npm run bundle` writes/],
      [join(dir, 'missing.js'), /cannot read .*missing\.js/],
    ] as const) {
      assert.throws(
        () => checkPrebuiltBundle(path, { tracing: false }),
        (err: Error) => err instanceof NotABundle && reason.test(err.message),
      );
    }
  });

  it('any bundle line, any file: a clear NotABundle or a choice, never another error or a wrong use', () => {
    const code = readFileSync(bundle, 'utf8');
    const prefix = '// lockout-runbook workflow bundle: ';
    const line = code.slice(
      code.lastIndexOf(prefix) + prefix.length,
      code.indexOf('\n', code.lastIndexOf(prefix)),
    );
    const header = JSON.parse(line) as Record<string, unknown>;
    const path = join(dir, 'hostile.js');
    const anyLine = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.json(),
      fc
        .record({ fingerprint: fc.string(), tracing: fc.anything(), builtAt: fc.string() })
        .map((h) => JSON.stringify(h)),
      // One field of the real header changed to anything.
      fc
        .tuple(fc.constantFrom('fingerprint', 'tracing', 'builtAt', 'extra'), fc.jsonValue())
        .map(([field, value]) => JSON.stringify({ ...header, [field]: value })),
    );
    fc.assert(
      fc.property(anyLine, fc.boolean(), fc.boolean(), (hostile, withPrefix, tracing) => {
        writeFileSync(
          path,
          `${code.slice(0, code.lastIndexOf(prefix))}${withPrefix ? prefix : ''}${hostile.replace(/\n/g, ' ')}\n`,
        );
        let choice;
        try {
          choice = checkPrebuiltBundle(path, { tracing });
        } catch (err) {
          if (err instanceof NotABundle) return true;
          throw err;
        }
        // Only the real header, unchanged in what matters, is used.
        const parsed = JSON.parse(hostile.replace(/\n/g, ' ')) as Record<string, unknown>;
        if (choice.use) assert.equal(parsed.fingerprint, codeFingerprint());
        if (choice.use) assert.equal(parsed.tracing, tracing);
        return true;
      }),
      { numRuns: 200 },
    );
  });

  it("fingerprints the code: a changed source file changes it, tests and the bench don't", () => {
    const root = join(dir, 'checkout');
    for (const sub of ['workflows', 'domain', 'test', 'bench'])
      mkdirSync(join(root, sub), { recursive: true });
    writeFileSync(join(root, 'package-lock.json'), '{}');
    writeFileSync(join(root, 'workflows', 'a.ts'), 'export const a = 1;');
    writeFileSync(join(root, 'domain', 'b.ts'), 'export const b = 2;');
    const first = codeFingerprint(root);
    writeFileSync(join(root, 'test', 'a.test.ts'), 'it("x", () => {});');
    writeFileSync(join(root, 'bench', 'x.ts'), 'export {};');
    assert.equal(codeFingerprint(root), first, 'tests and the bench are not bundled');
    writeFileSync(join(root, 'domain', 'b.ts'), 'export const b = 3;');
    assert.notEqual(codeFingerprint(root), first, 'a changed domain file');
    writeFileSync(join(root, 'domain', 'b.ts'), 'export const b = 2;');
    assert.equal(codeFingerprint(root), first);
    writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion":3}');
    assert.notEqual(codeFingerprint(root), first, 'another lockfile (another SDK)');
  });

  it('npm run bundle writes one and says where; a bad --tracing is refused', () => {
    const out = join(dir, 'from-script', 'bundle.js');
    const run = (args: string[]) =>
      spawnSync(
        process.execPath,
        ['--require', 'tsx/cjs', join(ROOT, 'scripts', 'bundle-workflows.ts'), ...args],
        {
          cwd: ROOT,
          encoding: 'utf8',
          timeout: 120_000,
        },
      );
    const made = run(['--out', out, '--tracing', 'off', '--json']);
    assert.equal(made.status, 0, made.stderr);
    const result = JSON.parse(made.stdout) as {
      out: string;
      bytes: number;
      tracing: boolean;
      fingerprint: string;
    };
    assert.equal(result.out, out);
    assert.equal(result.tracing, false);
    assert.equal(result.fingerprint, codeFingerprint());
    assert.equal(result.bytes, readFileSync(out).length);
    const refused = run(['--out', out, '--tracing', 'sometimes']);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /--tracing.*sometimes.*(auto|on|off)/s);
  });

  describe('a worker given it (dev server)', () => {
    let env: TestWorkflowEnvironment;
    let mail: MailCatcher;

    before(async () => {
      [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
    });
    after(async () => {
      await env?.teardown();
      await mail?.close();
    });

    async function runIncident(bundlePath: string) {
      const taskQueue = uniqueTaskQueue('prebuilt');
      const config = loadConfig({
        LOCKOUT_TASK_QUEUE: taskQueue,
        LOCKOUT_WORKER_REGIONS: 'none',
        LOCKOUT_WORKFLOW_BUNDLE: bundlePath,
      });
      const configured = await createConfiguredWorkers(config, env.nativeConnection, testDeps(mail.url));
      const [incidents, ...others] = configured.workers as [Worker, ...Worker[]];
      const running = others.map((w) => w.run());
      let stack = '';
      await incidents.runUntil(async () => {
        try {
          const { incidentId } = await sendAlert(env.client, taskQueue, {
            title: 'Prebuilt',
            fingerprint: `prebuilt-${taskQueue}`,
          });
          await mail.waitFor((m) => m.headers.get('x-lockout-incident') === incidentId);
          stack = await env.client.workflow.getHandle(incidentId).query<string>('__stack_trace');
        } finally {
          await terminateOpenIncidents(env.client, taskQueue);
        }
      });
      for (const w of others) w.shutdown();
      await Promise.all(running);
      return { ...configured, stack };
    }

    it('runs incidents from the bundle, says so at start, and its stack traces map to the sources', async () => {
      const { descriptions, warnings, stack } = await runIncident(bundle);
      assert.deepEqual(warnings, []);
      assert.match(
        descriptions.at(-1)!,
        new RegExp(`^workflow code from ${bundle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(built `),
      );
      assert.match(stack, /workflows\/escalation\.ts:\d+/, stack);
    });

    it('bundles at start instead of a stale one, with a warning saying why', async () => {
      const stale = edited('stale-worker.js', (t) =>
        t.replace(/"fingerprint":"sha256:[0-9a-f]{64}"/, `"fingerprint":"sha256:${'f'.repeat(64)}"`),
      );
      const { descriptions, warnings } = await runIncident(stale);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(
        warnings[0]!,
        /^LOCKOUT_WORKFLOW_BUNDLE=.*stale-worker\.js not used: it was built .* from other code/,
      );
      assert.match(descriptions.at(-1)!, /^workflow code bundled at start in \d+\.\d s$/);
    });

    it('refuses to start on a file that is no bundle, naming the variable', async () => {
      const config = loadConfig({
        LOCKOUT_TASK_QUEUE: uniqueTaskQueue('prebuilt-refused'),
        LOCKOUT_WORKER_REGIONS: 'none',
        LOCKOUT_WORKFLOW_BUNDLE: join(dir, 'nothing-here.js'),
      });
      await assert.rejects(
        createConfiguredWorkers(config, env.nativeConnection, testDeps(mail.url)),
        /^Error: LOCKOUT_WORKFLOW_BUNDLE: cannot read .*nothing-here\.js/,
      );
    });
  });
});
