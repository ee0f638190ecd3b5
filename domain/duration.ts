/**
 * Durations as runbooks write them: `90s`, `15m`, `4h`, `72h`, `1d12h`, `2w`.
 * Pure, so it is shared by the runbook validator and the workflow.
 */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(?:\d+[smhdw])+$/;
const PART = /(\d+)([smhdw])/g;

/** Milliseconds of a duration string, or an explanation of why it is not one. */
export function parseDuration(text: string): { ms: number } | { error: string } {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) {
    return {
      error: `"${text}" is not a duration: use a number and a unit s, m, h, d or w, e.g. 15m, 4h, 1d12h`,
    };
  }
  let ms = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) {
    ms += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  if (ms <= 0) return { error: `"${text}" is zero: a duration must be positive` };
  return { ms };
}

/** Milliseconds of a duration that was validated before (runbook input); throws otherwise. */
export function durationMs(text: string): number {
  const parsed = parseDuration(text);
  if ('error' in parsed) throw new TypeError(parsed.error);
  return parsed.ms;
}

/** `1h 5m`, `45s`, `3d 2h`: short, for timelines and countdowns. Sub-second precision is dropped. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.floor(Math.abs(ms) / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return sign + (parts.length ? parts.slice(0, 2).join(' ') : '0s');
}
