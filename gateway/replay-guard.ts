/**
 * An HMAC signature covers one body at one timestamp. Inside the replay window the same signed
 * request could be sent again (a captured request, or a sender retrying without re-signing);
 * this remembers each signature until its timestamp leaves the window, so the second copy is
 * refused instead of counted twice. `ReplayGuard` is per gateway process (tests, one host);
 * `SharedReplayGuard` keeps the signatures in the shared store, so replicas share them.
 */
import type { Database } from '../store/database';
import { claimSignature, releaseSignature } from '../store/alert-signatures';

export interface Replays {
  claim(signature: string, timestampMs: number, windowMs: number): boolean | Promise<boolean>;
  release(signature: string): void | Promise<void>;
}

export class ReplayGuard implements Replays {
  /** Signature → when it may be forgotten (ms). Insertion order is arrival order. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly maxEntries = 100_000) {}

  /**
   * True the first time a signature is presented; false for a replay. `timestampMs` is the
   * signed timestamp: authentication accepts it until `windowMs` after it, so it is kept that long.
   */
  claim(signature: string, timestampMs: number, windowMs: number, now = Date.now()): boolean {
    this.forgetExpired(now);
    if (this.seen.has(signature)) return false;
    if (this.seen.size >= this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(signature, timestampMs + windowMs); // then authentication refuses it as stale
    return true;
  }

  /** The request failed before anything was recorded: the sender may retry the same signed copy. */
  release(signature: string): void {
    this.seen.delete(signature);
  }

  get size(): number {
    return this.seen.size;
  }

  private forgetExpired(now: number): void {
    // Entries arrive roughly in expiry order; a later one expiring early just waits its turn.
    for (const [signature, until] of this.seen) {
      if (until > now) break;
      this.seen.delete(signature);
    }
  }
}

/** The replay guard of every gateway replica at once: one row per signature in the shared store. */
export class SharedReplayGuard implements Replays {
  constructor(private readonly db: Database) {}

  claim(signature: string, timestampMs: number, windowMs: number): Promise<boolean> {
    return claimSignature(this.db, signature, new Date(timestampMs + windowMs));
  }

  release(signature: string): Promise<void> {
    return releaseSignature(this.db, signature);
  }
}
