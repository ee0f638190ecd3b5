/** What the continuity activities (TLS, expiry watch, hooks, journeys) need from outside. */
import type { JourneyModes } from '../domain/journeys';
import type { RaisedAlert, WatchAlert } from '../domain/expiry-watch';
import type { ExpirySource } from '../expiry/expiry-sources';
import type { HooksConfig } from '../hooks/hooks-config';
import type { WatchConfig } from '../expiry/watch-config';

export interface ContinuityDeps {
  /** Current watch configuration (re-read when the file changes). */
  watchConfig(): WatchConfig;
  /** What the expiry watch looks at: TLS endpoints, and any source another module plugs in. */
  expirySources: readonly ExpirySource[];
  /** How the watch opens or escalates incidents; absent when this process has no Temporal client. */
  raiseAlert?: (alert: WatchAlert, at: Date) => Promise<RaisedAlert>;
  hooks(): HooksConfig;
  /** Absolute program paths command hooks may run (LOCKOUT_HOOK_COMMANDS). */
  allowedCommands: readonly string[];
  /** Where hook secrets (`secretEnv`) are read from: the worker's environment. */
  secrets: NodeJS.ProcessEnv;
  /** The published journey modes (LOCKOUT_JOURNEYS_FILE). */
  journeysFile: string;
  /** Where modes are switched when not in that file: the shared store of several workers. */
  journeyModes?: JourneyModes;
}
