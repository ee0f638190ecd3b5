/**
 * The one way a test may skip: on a developer's machine without an optional tool. Under CI
 * (`CI` set, as `.ci/run` does) the test fails with the reason instead: CI installs every tool
 * the suite needs, so a missing one is a broken CI machine, not a reason to pass quietly.
 */
import assert from 'node:assert/strict';

export function skipUnlessCi(ctx: Mocha.Context, reason: string): never {
  if (process.env.CI) assert.fail(`${reason} (CI: tests must not skip)`);
  ctx.skip();
}
