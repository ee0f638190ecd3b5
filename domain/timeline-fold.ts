/**
 * Bounding the timeline an incident carries across continue-as-new. A long incident (hourly
 * updates for weeks) would otherwise hand an ever larger timeline to each new run, until its
 * input passes Temporal's payload limit.
 *
 * The oldest entries are folded into one `folded` entry that counts them. Only entries the run
 * itself received in its start input are folded: their full text stays in that run's history,
 * where the evidence pack reads it back (`unfoldTimeline`), so the pack keeps every entry.
 */
import type { TimelineEntry } from './incident';

/** Entries carried to the next run before the oldest are folded (limits.timelineEntries). */
export const TIMELINE_KEEP = 500;

export interface FoldedEntry extends TimelineEntry {
  /** How many of the incident's first entries this one stands for. */
  folded: number;
}

export const isFolded = (entry: TimelineEntry): entry is FoldedEntry =>
  typeof (entry as Partial<FoldedEntry>).folded === 'number';

/** How many entries a timeline stands for: the folded ones, and every other one. */
export function timelineLength(timeline: readonly TimelineEntry[]): number {
  const [first] = timeline;
  return first && isFolded(first) ? first.folded + timeline.length - 1 : timeline.length;
}

/**
 * The timeline to carry to the next run: at most `keep` entries after the folded one, folding
 * only among the first `received` entries (those in this run's start input).
 */
export function foldTimeline(
  timeline: readonly TimelineEntry[],
  received: number,
  keep = TIMELINE_KEEP,
): TimelineEntry[] {
  const head = timeline[0] && isFolded(timeline[0]) ? 1 : 0;
  const already = head ? (timeline[0] as FoldedEntry).folded : 0;
  const excess = timeline.length - head - keep;
  const foldNow = Math.min(Math.max(excess, 0), Math.max(received - head, 0));
  if (foldNow === 0) return [...timeline];
  const folding = timeline.slice(head, head + foldNow);
  const folded = already + foldNow;
  const entry: FoldedEntry = {
    at: (head ? timeline[0]! : folding[0]!).at,
    kind: 'step',
    summary: `${folded} earlier entries (to ${folding.at(-1)!.at}) are kept in full in the evidence pack`,
    folded,
  };
  return [entry, ...timeline.slice(head + foldNow)];
}

/**
 * The whole timeline from the timelines of each run's start input (oldest first) and the last
 * one: entry i of the incident is wherever a timeline holding it was carried in full. Indexes no
 * timeline holds (which folding only among received entries rules out) are reported, not guessed.
 */
export function unfoldTimeline(timelines: readonly (readonly TimelineEntry[])[]): {
  timeline: TimelineEntry[];
  missing: number;
} {
  const full: (TimelineEntry | undefined)[] = [];
  for (const timeline of timelines) {
    const head = timeline[0] && isFolded(timeline[0]) ? 1 : 0;
    const offset = head ? (timeline[0] as FoldedEntry).folded : 0;
    timeline.slice(head).forEach((entry, i) => {
      full[offset + i] ??= entry;
    });
  }
  const timeline = full.filter((e): e is TimelineEntry => e !== undefined);
  return { timeline, missing: full.length - timeline.length };
}
