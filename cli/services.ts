/**
 * What the CLI needs built from configuration, handed in by the composition root (app/cli.ts):
 * the commands stay free of how a deployment wires its parts.
 */
import type { Client } from '@temporalio/client';
import type { ContinuityDeps } from '../activities/continuity-deps';
import type { IntakeOptions } from '../client/open-incident';
import type { Config } from '../config/env';

export interface CliServices {
  /** How `trigger` and `watch --once` open incidents: the current runbooks, this client. */
  intake(config: Config, client: Client): IntakeOptions;
  /** The expiry watch's configuration and sources (TLS endpoints, Salesforce credentials). */
  continuity(config: Config): ContinuityDeps;
}
