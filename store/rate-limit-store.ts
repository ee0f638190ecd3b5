/**
 * A store for @fastify/rate-limit that keeps its counters in the shared database (rate_limits),
 * so a limit holds across gateway replicas. The plugin constructs the class itself, hence the
 * factory closing over the database.
 */
import type { Database } from './database';
import { hit, peek } from './rate-limits';

type Callback = (err: Error | null, result?: { current: number; ttl: number }) => void;

export function sharedRateLimitStore(db: Database) {
  return class SharedRateLimitStore {
    incr(key: string, callback: Callback, timeWindow: number): void {
      hit(db, key, timeWindow).then(
        (count) => callback(null, { current: count.hits, ttl: count.msLeft }),
        (err: Error) => callback(err),
      );
    }

    read(key: string, callback: Callback): void {
      peek(db, key).then(
        (count) => callback(null, { current: count.hits, ttl: count.msLeft }),
        (err: Error) => callback(err),
      );
    }

    /** Every route and limiter shares the table; keys keep them apart. */
    child(): SharedRateLimitStore {
      return this;
    }
  };
}
