import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { NOT_SHARED_DOMAIN_MODULES, SHARED_DOMAIN_MODULES } from '../temporal/bundle';
import { workflowBundle } from './helpers/temporal';

/** Each open incident should cost its own state, not its own copy of the domain modules. */
describe('the workflow bundle', function () {
  this.timeout(60_000);

  it('preloads (shares) every domain module the workflows use, and nothing of workflows/', async () => {
    const { code } = await workflowBundle();
    const bundled = [...code.matchAll(/^\/\*\*\*\/ "\.\/domain\/([\w-]+)\.ts"$/gm)].map((m) => m[1]!);
    assert.ok(bundled.includes('runbook'), 'the bundle lists its modules as webpack does');
    assert.deepEqual(
      [...SHARED_DOMAIN_MODULES, ...NOT_SHARED_DOMAIN_MODULES].sort(),
      [...new Set(bundled)].sort(),
    );
    const preload = /exports\.preloadModules = function preloadModules\(\) \{([^}]*)\}/.exec(code)?.[1] ?? '';
    for (const name of SHARED_DOMAIN_MODULES) assert.match(preload, new RegExp(`domain/${name}\\.ts`), name);
    for (const name of NOT_SHARED_DOMAIN_MODULES)
      assert.doesNotMatch(preload, new RegExp(`domain/${name}\\.ts`));
    assert.doesNotMatch(preload, /workflows\/|@temporalio\/workflow/);
  });

  it('runs every check of a shared module with its exports frozen as the worker freezes them', () => {
    // Its own process: freezing the modules here would freeze them for every other test.
    const out = execFileSync(
      process.execPath,
      ['--require', 'tsx/cjs', join(__dirname, 'helpers', 'frozen-checks.ts')],
      {
        encoding: 'utf8',
      },
    );
    const { checks, frozenSchema } = JSON.parse(out) as {
      checks: Record<string, Array<{ ok?: boolean; reason?: string; value?: unknown; threw?: string }>>;
      frozenSchema: { threw?: string };
    };
    assert.match(frozenSchema.threw ?? '', /not extensible/, 'a frozen zod schema throws as it parses');
    // Every responder action, the alert and the link refusal.
    assert.ok(Object.keys(checks).length >= 21, Object.keys(checks).join(', '));
    for (const [name, answers] of Object.entries(checks)) {
      for (const answer of answers.slice(0, 3)) {
        assert.equal(answer.threw, undefined, `${name} threw: ${answer.threw}`);
        assert.equal(answer.ok, false, name);
        assert.match(answer.reason ?? '', /^\w+: /, name);
      }
    }
    assert.deepEqual(checks['responder-input.checkAcknowledge']![3], {
      ok: true,
      value: { by: 'ana', id: 'a-1' },
    });
    assert.deepEqual(checks['responder-input.checkAwareness']![3], {
      ok: true,
      value: { at: '2026-11-26T09:30:00.000Z', by: 'dpo', reason: 'told by the processor' },
    });
  });
});
