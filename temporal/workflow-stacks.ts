/**
 * Preloaded into the workflow sandbox before any workflow runs (temporal/bundle.ts): how many
 * frames V8 captures for a stack there.
 *
 * The SDK's promise hook keeps the stack of every pending promise of every cached workflow, for
 * the Web UI's Stack Trace tab: about 110 per open incident, each formatted and source-mapped.
 * Six frames instead of V8's default 10 took an open incident's heap in the workflow thread from
 * 328 to 294 KiB (docs/testing.md). Six keep what the tab is for, where each promise waits (the
 * hook's own two frames, then e.g. `new Promise`, `conditionInner`, `condition` and the
 * incident's own wait site); an error thrown in workflow code shows its six innermost frames.
 */
export const WORKFLOW_STACK_FRAMES = 6;

Error.stackTraceLimit = WORKFLOW_STACK_FRAMES;
