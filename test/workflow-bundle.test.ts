import assert from 'node:assert/strict';
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
});
