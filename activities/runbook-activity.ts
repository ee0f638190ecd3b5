/** The shape every runbook-callable activity has (see catalog.ts for the list). */
import { ApplicationFailure } from '@temporalio/activity';
import type { z } from 'zod';
import type { IncidentFacts, StepResult } from '../domain/incident';

export interface RunbookActivityInput<A = Record<string, unknown>> {
  incidentId: string;
  /** Runbook step id: part of idempotency keys. */
  step: string;
  args: A;
  facts: IncidentFacts;
  /**
   * Which instance of the incident id (when it was detected): part of keys that must differ when
   * a fingerprint fires again after its incident closed. Absent in steps scheduled before it was.
   */
  instance?: string;
}

export type RunbookActivity = (input: RunbookActivityInput) => Promise<StepResult>;

export interface CatalogEntry {
  description: string;
  args: z.ZodType;
  /** Changes something outside (as opposed to reading): runbooks should gate it behind an approval. */
  risky: boolean;
  /** Touches customer data: runs on the task queue of the data's region (eu/us). */
  regional?: boolean;
}

/** Arguments checked against the catalog schema; bad ones fail the step without retries. */
export function parseArgs<S extends z.ZodType>(activity: string, schema: S, args: unknown): z.infer<S> {
  const result = schema.safeParse(args);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || 'args'}: ${i.message}`).join('; ');
    throw ApplicationFailure.nonRetryable(`${activity}: invalid arguments: ${problems}`, 'InvalidArguments');
  }
  return result.data;
}
