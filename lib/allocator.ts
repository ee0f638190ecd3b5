/**
 * Which malloc a process runs with. A worker's memory outside V8's heaps (Temporal Core's Rust
 * side, protobuf buffers, every thread's allocations) goes through it, and glibc's malloc keeps
 * much of what was freed: jemalloc, preloaded, gives it back (docs/production.md#memory-allocator).
 */
import { existsSync, readFileSync } from 'node:fs';

export type Allocator = { name: 'jemalloc'; library: string } | { name: 'system' };

/**
 * jemalloc's settings for a worker: a background thread gives freed pages back within its decay
 * time (10 s) even while the worker is idle; without it they go back only as the process allocates.
 */
export const JEMALLOC_CONF = 'background_thread:true';

/** Where Debian's and other distributions' libjemalloc2 packages put the library. */
const JEMALLOC_PATHS = [
  '/usr/local/lib/libjemalloc.so.2',
  '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
  '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2',
  '/usr/lib64/libjemalloc.so.2',
  '/usr/lib/libjemalloc.so.2',
];

/** The allocator named by a process's memory map (`/proc/<pid>/maps`). */
export function allocatorIn(maps: string): Allocator {
  const line = maps.split('\n').find((l) => /\/libjemalloc[^/\s]*\.so/.test(l));
  const library = line?.slice(line.indexOf('/')).trim();
  return library ? { name: 'jemalloc', library } : { name: 'system' };
}

/** This process's allocator (Linux; elsewhere always `system`). */
export function processAllocator(): Allocator {
  try {
    return allocatorIn(readFileSync('/proc/self/maps', 'utf8'));
  } catch {
    return { name: 'system' };
  }
}

/**
 * An environment for a child process without this process's allocator settings. Chromium's GPU
 * process dies at start under jemalloc's `background_thread:true`.
 */
export function withoutAllocator(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { LD_PRELOAD: _preload, MALLOC_CONF: _conf, ...rest } = env;
  return rest;
}

/** Keeps this process's allocator to itself: whatever it spawns starts with its own. */
export function keepAllocatorToThisProcess(env: NodeJS.ProcessEnv = process.env): void {
  delete env.LD_PRELOAD;
  delete env.MALLOC_CONF;
}

/** A jemalloc on this machine that `LD_PRELOAD` can name, if any. */
export function findJemalloc(paths: readonly string[] = JEMALLOC_PATHS): string | undefined {
  return paths.find((p) => existsSync(p));
}

/** For a process's start: which allocator, and how to switch from the system's. */
export function describeAllocator(
  allocator: Allocator,
  installed: string | null = findJemalloc() ?? null,
): string {
  if (allocator.name === 'jemalloc') return `jemalloc (${allocator.library})`;
  const hint = installed
    ? `LD_PRELOAD=${installed} MALLOC_CONF=${JEMALLOC_CONF} keeps a worker's memory lower`
    : "jemalloc (Debian: libjemalloc2) keeps a worker's memory lower";
  return `the system's malloc (${hint}; docs/production.md#memory-allocator)`;
}
