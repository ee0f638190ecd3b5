/**
 * Failure messages and stack traces can quote personal data (an activity that failed on a
 * customer's record says so). `encodeCommonAttributes` moves both into an encoded payload, which
 * the payload codec then encrypts. Workers load this module by path
 * (`dataConverter.failureConverterPath`), and the workflow bundle includes it
 * (temporal/bundle.ts), because workflow code converts its own failures in the sandbox.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
