/** Hourly cost of responder time, from the directory's `rates` by role (the crisis budget). */
import type { RateOf } from '../domain/crisis-budget';
import type { Directory } from './directory';

/** The highest hourly rate among a person's roles (a person outside the directory costs 0). */
export function rateFromDirectory(dir: Directory): RateOf {
  return (person) => {
    const roles = dir.people[person]?.roles ?? [];
    let best: { rate: number; role?: string } = { rate: 0 };
    for (const role of roles) {
      const rate = dir.rates[role];
      if (rate !== undefined && rate >= best.rate) best = { rate, role };
    }
    return best;
  };
}
