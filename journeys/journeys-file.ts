/**
 * The published journey modes: a small JSON file the storefront (or GET /journeys) reads.
 * Written atomically (a reader never sees half a file), one switch at a time: in-process by a
 * queue, across worker processes sharing the file by a lock file beside it.
 */
import { readFile } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { lock } from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import {
  decideJourneySwitch,
  initialJourneys,
  Journey,
  JourneyState,
  type JourneyModes,
  type JourneysDocument,
  type JourneySwitch as DomainSwitch,
  type JourneySwitchOutcome,
} from '../domain/journeys';

const StoredJourneys = z.object({
  updatedAt: z.iso.datetime(),
  journeys: z.partialRecord(Journey, JourneyState),
});

/** The current document; every journey normal when nothing was switched yet. */
export async function readJourneys(file: string, now = new Date()): Promise<JourneysDocument> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return initialJourneys(now.toISOString());
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message})`, { cause: err });
  }
  const parsed = StoredJourneys.safeParse(json);
  if (!parsed.success)
    throw new Error(`${file}: not a journeys document (${parsed.error.issues[0]?.message})`);
  // A journey added to the product after the file was written starts out normal.
  const initial = initialJourneys(parsed.data.updatedAt);
  return { updatedAt: parsed.data.updatedAt, journeys: { ...initial.journeys, ...parsed.data.journeys } };
}

export type JourneySwitch = DomainSwitch;
export type SwitchOutcome = JourneySwitchOutcome;

const queues = new Map<string, Promise<unknown>>();

/** Runs read-modify-write operations on one file one after another, in this process and across processes. */
function serialized<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const locked = async () => {
    mkdirSync(dirname(file), { recursive: true });
    // `<file>.lock`; a lock left by a crashed process is taken over once it is `stale` ms old.
    const release = await lock(file, {
      realpath: false,
      stale: 10_000,
      retries: { retries: 50, minTimeout: 20, maxTimeout: 500 },
    });
    try {
      return await fn();
    } finally {
      await release();
    }
  };
  const previous = queues.get(file) ?? Promise.resolve();
  const next = previous.then(locked, locked);
  queues.set(
    file,
    next.catch(() => undefined),
  );
  return next;
}

/** `at`: when the switch happened; by default the moment it is written. */
export function switchJourney(file: string, change: JourneySwitch, at?: Date): Promise<SwitchOutcome> {
  return serialized(file, async () => {
    const now = at ?? new Date();
    const doc = await readJourneys(file, now);
    const outcome = decideJourneySwitch(doc.journeys[change.journey], change, now);
    if (!outcome.changed) return outcome;
    const next: JourneysDocument = {
      updatedAt: now.toISOString(),
      journeys: { ...doc.journeys, [change.journey]: outcome.state },
    };
    await writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`);
    return outcome;
  });
}

/** The modes in one JSON file (one host, or a volume shared through the lock file). */
export function fileJourneyModes(file: string): JourneyModes {
  return {
    describe: file,
    read: (now) => readJourneys(file, now),
    switch: (change, at) => switchJourney(file, change, at),
  };
}
