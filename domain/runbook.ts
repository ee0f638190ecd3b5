/**
 * The runbook: what a lockout incident does, as data. YAML files under runbooks/ are parsed
 * with this schema; the resolved definition travels in the workflow input, so editing a file
 * never changes a running incident.
 *
 * Steps run in list order. A `branch` jumps forward to a step of the same list; a `parallel`
 * step runs lists of steps side by side and waits for all of them. Jumps only go forward, so a
 * runbook always ends.
 */
import { z } from 'zod';
import { parseDuration } from './duration';
import { Pattern, Severity } from './alert';
import { Condition } from './conditions';

export const Duration = z.string().superRefine((text, ctx) => {
  const parsed = parseDuration(text);
  if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
});

export const Id = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'must be lower-case letters, digits and "-", starting with a letter or digit',
  );

export const CHANNELS = ['email', 'sms', 'voice', 'webhook'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

/**
 * Who is told: an audience id from the responder directory (`operations`), a person
 * (`person:ana`), everyone with a role (`role:compliance`), the on-call person of a rota
 * (`rota:compliance`), or a literal email address or E.164 phone number.
 */
export const Target = z.string().min(1);
const Targets = z.array(Target).min(1);

export { PHASES, Phase } from './phase';

/** Where a jump may land: a step id of the same list, or `end` (no more steps). */
const JumpTarget = z.union([Id, z.literal('end')]);

const StepBase = {
  id: Id,
  title: z.string().optional(),
  /** Jump here after this step instead of to the next one. */
  next: JumpTarget.optional(),
};

export const NotifyStep = z
  .object({
    ...StepBase,
    kind: z.literal('notify'),
    audience: z.union([Target, Targets]),
    template: Id,
    channels: z.array(Channel).min(1).default(['email']),
    /** Repeat in the background at this cadence until the incident is resolved (status updates). */
    every: Duration.optional(),
  })
  .strict();

export const ActivityStep = z
  .object({
    ...StepBase,
    kind: z.literal('activity'),
    activity: z.string().min(1),
    /** String values may use `${facts.<name>}`. Checked against the activity catalog. */
    args: z.record(z.string(), z.unknown()).default({}),
    /** How long the activity may take, retries included. */
    timeout: Duration.default('10m'),
    /** Filled in from the catalog when the incident starts: run on the data's region queue. */
    regional: z.boolean().optional(),
    /** Filled in from the catalog when the incident starts: changes things outside (remediation). */
    risky: z.boolean().optional(),
    onFailure: z.enum(['continue', 'end']).default('continue'),
  })
  .strict();

export const ApproverLevel = z
  .object({ roles: z.array(Id).default([]), people: z.array(Id).default([]) })
  .strict()
  .refine((l) => l.roles.length + l.people.length > 0, 'name at least one role or person');

export const ApprovalStep = z
  .object({
    ...StepBase,
    kind: z.literal('approval'),
    /** The step this approval gates; by default the step right after it. */
    for: Id.optional(),
    /** Approver levels: the first decides; on timeout with `escalate`, the next one is asked. */
    approvers: z.array(ApproverLevel).min(1),
    quorum: z.number().int().min(1).default(1),
    /** Whoever set the incident's response in motion (its first acknowledger) may not approve. */
    twoPersonRule: z.boolean().default(false),
    timeout: Duration.default('30m'),
    onTimeout: z.enum(['escalate', 'reject', 'continue']).default('escalate'),
    /** What happens to the gated step when the answer is no. */
    onReject: z.enum(['skip', 'end']).default('skip'),
    template: Id.default('approval-request'),
    channels: z.array(Channel).min(1).default(['email']),
  })
  .strict();

export const WaitStep = z
  .object({
    ...StepBase,
    kind: z.literal('wait'),
    for: Duration.optional(),
    until: Condition.optional(),
    /** With `until`: give up waiting after this long. */
    timeout: Duration.optional(),
  })
  .strict()
  .refine((w) => (w.for === undefined) !== (w.until === undefined), 'give exactly one of `for` or `until`');

export const BranchStep = z
  .object({
    ...StepBase,
    kind: z.literal('branch'),
    if: Condition,
    then: JumpTarget,
    /** Default: the step after the branch. */
    else: JumpTarget.optional(),
  })
  .strict();

export const CheckpointStep = z
  .object({ ...StepBase, kind: z.literal('checkpoint'), phase: z.enum(['contained', 'recovered']) })
  .strict();

export type NotifyStep = z.infer<typeof NotifyStep>;
export type ActivityStep = z.infer<typeof ActivityStep>;
export type ApprovalStep = z.infer<typeof ApprovalStep>;
export type WaitStep = z.infer<typeof WaitStep>;
export type BranchStep = z.infer<typeof BranchStep>;
export type CheckpointStep = z.infer<typeof CheckpointStep>;
export interface ParallelStep {
  id: string;
  title?: string;
  next?: string;
  kind: 'parallel';
  branches: Step[][];
}
export type Step =
  NotifyStep | ActivityStep | ApprovalStep | WaitStep | BranchStep | CheckpointStep | ParallelStep;

export const STEP_KINDS = [
  'notify',
  'activity',
  'approval',
  'wait',
  'branch',
  'parallel',
  'checkpoint',
] as const;

export const ParallelStep: z.ZodType<ParallelStep> = z.lazy(() =>
  z
    .object({ ...StepBase, kind: z.literal('parallel'), branches: z.array(z.array(Step).min(1)).min(2) })
    .strict(),
) as z.ZodType<ParallelStep>;

export const Step: z.ZodType<Step> = z.lazy(() =>
  z.discriminatedUnion(
    'kind',
    [NotifyStep, ActivityStep, ApprovalStep, WaitStep, BranchStep, CheckpointStep, ParallelStep as never],
    {
      error: (issue) =>
        issue.code === 'invalid_union' ? `unknown step kind (known: ${STEP_KINDS.join(', ')})` : undefined,
    },
  ),
) as z.ZodType<Step>;

/** Events a clock can run from. `aware` is when the organisation became aware of a breach. */
export const CLOCK_EVENTS = ['detected', 'acknowledged', 'aware', 'contained', 'recovered'] as const;

export const Clock = z
  .object({
    id: Id,
    title: z.string().min(1),
    from: z.enum(CLOCK_EVENTS),
    within: Duration,
    /** Warn this long before the deadline (each). */
    warn: z.array(Duration).default([]),
    /** Met when this step completes; `manual`: a responder records it (`lockout clock … --met`). */
    metBy: z.union([Id, z.literal('manual')]),
    /** The clock only applies when this holds (e.g. EU personal data affected). */
    when: Condition.optional(),
    legal: z.boolean().default(false),
    /** Told on warnings and when the deadline is missed. */
    notify: Targets.optional(),
  })
  .strict();
export type Clock = z.infer<typeof Clock>;

export const EscalationLevel = z
  .object({
    after: Duration,
    notify: Targets,
    template: Id.default('escalation-notice'),
    channels: z.array(Channel).min(1).default(['email']),
    /** Tell this level this many times, `after` apart, before moving to the next one. */
    repeat: z.number().int().min(1).max(10).default(1),
  })
  .strict();
export type EscalationLevel = z.infer<typeof EscalationLevel>;

export const FACT_TYPES = ['string', 'boolean', 'number', 'list'] as const;
export const FactDeclaration = z
  .object({
    type: z.enum(FACT_TYPES),
    description: z.string().optional(),
    default: z.union([z.string(), z.boolean(), z.number(), z.array(z.string())]).optional(),
    /** Alert label the value is read from (lists: comma-separated). Default: the fact's name. */
    label: z.string().optional(),
  })
  .strict();
export type FactDeclaration = z.infer<typeof FactDeclaration>;

/**
 * What an incident does once every alert has resolved at its source: tell its owner and propose
 * resolution (`propose`, the default), also resolve itself after a quiet period unless an alert
 * fires again (`{ resolve-after: 30m }`), or only record it (`ignore`). domain/alerts-resolved.ts.
 */
export const OnAlertsResolved = z.union([
  z.enum(['propose', 'ignore'], { error: 'must be propose, ignore or { resolve-after: <duration> }' }),
  z.object({ 'resolve-after': Duration }).strict(),
]);
export type OnAlertsResolved = z.infer<typeof OnAlertsResolved>;
/** The runbook's `review` setting, with its defaults. */
export const ReviewSettings = z
  .object({
    /** Business days (Monday to Friday, UTC) from resolution to the review's due date. */
    dueBusinessDays: z.number().int().min(1).max(60).default(5),
    /** Who gets the review template. */
    notify: Targets.default(['incident-commander']),
    template: Id.default('post-incident-review'),
    /** Reminders: this long before the review's and each action item's due date. */
    remindBefore: Duration.default('1d'),
  })
  .strict();
export type ReviewSettings = z.infer<typeof ReviewSettings>;

export const Runbook = z
  .object({
    id: Id,
    version: z.number().int().positive(),
    title: z.string().min(1),
    description: z.string().optional(),
    match: z
      .object({ patterns: z.array(Pattern).default([]), fallback: z.boolean().default(false) })
      .strict()
      .default({ patterns: [], fallback: false }),
    severity: Severity.default('sev2'),
    /** Facts this runbook reads beyond the built-in ones (title, pattern, severity, region, euPersonalData, source). */
    facts: z
      .record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/, 'must be a camelCase name'), FactDeclaration)
      .default({}),
    clocks: z.array(Clock).default([]),
    escalation: z.object({ levels: z.array(EscalationLevel).default([]) }).strict(),
    steps: z.array(Step).min(1),
    onAlertsResolved: OnAlertsResolved.optional(),
    /** After resolution, stay open for a post-incident review (absent: no review). */
    review: ReviewSettings.optional(),
    onResolve: z
      .object({
        notify: Targets,
        template: Id.default('resolution-notice'),
        channels: z.array(Channel).min(1).default(['email']),
      })
      .strict(),
  })
  .strict();
export type Runbook = z.infer<typeof Runbook>;

/** Every step of a runbook, nested ones included, with the list it belongs to. */
export function allSteps(steps: readonly Step[]): Step[] {
  return steps.flatMap((s) => (s.kind === 'parallel' ? [s, ...s.branches.flatMap(allSteps)] : [s]));
}
