/**
 * Which malloc a process runs with (lib/allocator.ts): read from its memory map, in real
 * processes started with and without jemalloc preloaded as the Docker image does; what such a
 * process spawns (Chromium for evidence PDFs) starts with its own allocator.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { allocatorIn, describeAllocator, findJemalloc, JEMALLOC_CONF } from '../lib/allocator';
import { skipUnlessCi } from './helpers/skip';

const ROOT = join(__dirname, '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const GLIBC = '7f1c2a000000-7f1c2a028000 r--p 00000000 08:01 1234 /usr/lib/x86_64-linux-gnu/libc.so.6';
const JEMALLOC =
  '7f1c2b000000-7f1c2b00c000 r-xp 00000000 08:01 5678 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2';

describe('the memory allocator (lib/allocator.ts)', function () {
  this.timeout(60_000);

  describe('read from a memory map', () => {
    it('names jemalloc and its library when it is mapped, else the system malloc', () => {
      assert.deepEqual(allocatorIn([GLIBC, JEMALLOC, ''].join('\n')), {
        name: 'jemalloc',
        library: '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
      });
      assert.deepEqual(allocatorIn(`${GLIBC}\n`), { name: 'system' });
      assert.deepEqual(allocatorIn(''), { name: 'system' });
    });

    it('any map: jemalloc exactly when a jemalloc library is mapped (fast-check)', () => {
      const line = fc.oneof(
        fc.constant(GLIBC),
        fc.constant(JEMALLOC),
        fc.string({ maxLength: 80 }).filter((s) => !s.includes('\n')),
      );
      fc.assert(
        fc.property(fc.array(line, { maxLength: 20 }), (lines) => {
          const got = allocatorIn(lines.join('\n'));
          const mapped = lines.some((l) => /\/libjemalloc[^/\s]*\.so/.test(l));
          assert.equal(got.name, mapped ? 'jemalloc' : 'system');
          if (got.name === 'jemalloc') assert.match(got.library, /^\/\S*libjemalloc/);
        }),
      );
    });

    it('says how to switch when a process runs on the system malloc', () => {
      assert.equal(
        describeAllocator({ name: 'jemalloc', library: '/x/libjemalloc.so.2' }),
        'jemalloc (/x/libjemalloc.so.2)',
      );
      assert.match(
        describeAllocator({ name: 'system' }, '/x/libjemalloc.so.2'),
        new RegExp(
          `LD_PRELOAD=/x/libjemalloc.so.2 MALLOC_CONF=${JEMALLOC_CONF} .*docs/production.md#memory-allocator`,
        ),
      );
      assert.match(describeAllocator({ name: 'system' }, null), /libjemalloc2/);
      assert.equal(findJemalloc(['/nonexistent/libjemalloc.so.2']), undefined);
    });
  });

  describe('in real processes', () => {
    let library: string;
    before(function () {
      const found = findJemalloc();
      if (!found) skipUnlessCi(this, 'jemalloc is not installed (Debian: apt-get install libjemalloc2)');
      library = found;
    });

    function runChild(env: NodeJS.ProcessEnv, ...args: string[]) {
      const base = { ...process.env };
      delete base.LD_PRELOAD;
      delete base.MALLOC_CONF;
      const r = spawnSync(
        process.execPath,
        [TSX, join(ROOT, 'test', 'helpers', 'allocator-child.ts'), ...args],
        {
          cwd: ROOT,
          env: { ...base, ...env },
          encoding: 'utf8',
          timeout: 45_000,
        },
      );
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as {
        self: string;
        child: { jemalloc: boolean; conf: string | null };
        pdf: string;
        error?: string;
      };
    }

    it('a process started without it runs on the system malloc', () => {
      const got = runChild({});
      assert.equal(got.self, 'system');
      assert.deepEqual(got.child, { jemalloc: false, conf: null });
    });

    it('a process started with it preloaded keeps it to itself: what it spawns, Chromium too, starts clean', function () {
      if (!existsSync('/usr/bin/chromium')) skipUnlessCi(this, 'Chromium is not installed');
      const got = runChild({ LD_PRELOAD: library, MALLOC_CONF: JEMALLOC_CONF }, '--keep');
      assert.equal(got.error, undefined);
      assert.equal(got.self, 'jemalloc');
      assert.deepEqual(got.child, { jemalloc: false, conf: null });
      assert.equal(got.pdf, '%PDF-');
    });

    it('without keeping it (the gateway, the CLI), a spawned process inherits it, and Chromium still prints', function () {
      if (!existsSync('/usr/bin/chromium')) skipUnlessCi(this, 'Chromium is not installed');
      // evidence/pdf.ts starts Chromium without the settings: under them its GPU process dies.
      const got = runChild({ LD_PRELOAD: library, MALLOC_CONF: JEMALLOC_CONF });
      assert.equal(got.self, 'jemalloc');
      assert.deepEqual(got.child, { jemalloc: true, conf: JEMALLOC_CONF });
      assert.equal(got.pdf, '%PDF-');
    });
  });
});
