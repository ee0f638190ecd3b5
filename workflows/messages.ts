/**
 * How the outside world talks to a running incident. Signal names are what responders type in
 * the Temporal Web UI's "Send signal"; updates with the same names answer "accepted" or
 * "refused: <reason>" to the CLI and to links.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Alert } from '../domain/alert';
import type { AcknowledgeInput, IncidentStatus, ResolveInput } from '../domain/incident';

/** Every alert for this fingerprint, the first one included (delivered by signalWithStart). */
export const alertSignal = defineSignal<[Alert]>('alert');

export const acknowledgeSignal = defineSignal<[AcknowledgeInput]>('acknowledge');
export const acknowledgeUpdate = defineUpdate<string, [AcknowledgeInput]>('acknowledge');

export const resolveSignal = defineSignal<[ResolveInput]>('resolve');
export const resolveUpdate = defineUpdate<string, [ResolveInput]>('resolve');

export const statusQuery = defineQuery<IncidentStatus>('status');
