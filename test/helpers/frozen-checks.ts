/**
 * Run by test/workflow-bundle.test.ts in its own process: freezes every shared domain module's
 * exports the way the worker freezes preloaded modules (each own property, getters read, objects
 * walked, functions frozen but not walked), then calls every `check*` function with payloads it
 * must refuse. Prints one JSON line: what each check answered, or the exception it threw.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { z } from 'zod';
import { SHARED_DOMAIN_MODULES } from '../../temporal/bundle';

function freezeDeep(value: unknown, seen = new WeakSet<object>()): void {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
  if (seen.has(value) || Object.isFrozen(value)) return;
  seen.add(value);
  if (typeof value === 'object') {
    for (const key of Reflect.ownKeys(value)) {
      try {
        freezeDeep((value as Record<PropertyKey, unknown>)[key], seen);
      } catch {
        // Some objects cannot be frozen (typed arrays); the worker skips them too.
      }
    }
  }
  Object.freeze(value);
}

function attempt(run: () => unknown): unknown {
  try {
    return run();
  } catch (err) {
    return { threw: (err as Error).message };
  }
}

const load = createRequire(__filename);
const modules = SHARED_DOMAIN_MODULES.map((name) => ({
  name,
  exports: load(join(__dirname, '..', '..', 'domain', `${name}.ts`)) as Record<string, unknown>,
}));
for (const m of modules) freezeDeep(m.exports);

const refused: unknown[] = [{}, { by: 42 }, { by: '', id: '../x' }];
// One accepted payload per check that transforms what it accepts (times normalised, ids kept).
const accepted: Record<string, unknown> = {
  checkAcknowledge: { by: ' ana ', id: 'a-1' },
  checkAwareness: { at: '2026-11-26T10:30:00+01:00', by: 'dpo', reason: 'told by the processor' },
};
const checks: Record<string, unknown[]> = {};
for (const m of modules) {
  for (const [key, fn] of Object.entries(m.exports)) {
    if (!/^check[A-Z]/.test(key) || typeof fn !== 'function') continue;
    const payloads = key in accepted ? [...refused, accepted[key]] : refused;
    checks[`${m.name}.${key}`] = payloads.map((p) => attempt(() => (fn as (p: unknown) => unknown)(p)));
  }
}

// The control: a schema frozen like this throws when it parses, so a check that answers above
// does not reach a frozen schema.
const control = z.object({ by: z.string() });
freezeDeep(control);
const frozenSchema = attempt(() => control.safeParse({}));

process.stdout.write(`${JSON.stringify({ checks, frozenSchema })}\n`);
