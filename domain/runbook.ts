/**
 * The runbook: what a lockout incident does, as data. YAML files under runbooks/ are parsed
 * with this schema; the resolved definition travels in the workflow input, so editing a file
 * never changes a running incident.
 */
import { z } from 'zod';
import { parseDuration } from './duration';
import { Pattern, Severity } from './alert';

export const Duration = z.string().superRefine((text, ctx) => {
  const parsed = parseDuration(text);
  if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
});

const Id = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'must be lower-case letters, digits and "-", starting with a letter or digit',
  );

export const CHANNELS = ['email', 'sms', 'voice', 'webhook', 'salesforce'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

/**
 * Who is told: an audience id from the responder directory (`operations`), a person
 * (`person:ana`), an on-call rota (`rota:compliance`), or a literal email address or phone number.
 */
export const Target = z.string().min(1);

export const PHASES = ['detected', 'acknowledged', 'contained', 'recovered', 'resolved'] as const;
export const Phase = z.enum(PHASES);
export type Phase = z.infer<typeof Phase>;

const StepBase = { id: Id, title: z.string().optional() };

export const NotifyStep = z
  .object({
    ...StepBase,
    kind: z.literal('notify'),
    audience: z.union([Target, z.array(Target).min(1)]),
    template: Id,
    channels: z.array(Channel).min(1).default(['email']),
  })
  .strict();

export const CheckpointStep = z.object({ ...StepBase, kind: z.literal('checkpoint'), phase: Phase }).strict();

export const Step = z.discriminatedUnion('kind', [NotifyStep, CheckpointStep]);
export type Step = z.infer<typeof Step>;
export type NotifyStep = z.infer<typeof NotifyStep>;

export const EscalationLevel = z
  .object({
    after: Duration,
    notify: z.array(Target).min(1),
    template: Id.default('escalation-notice'),
    channels: z.array(Channel).min(1).default(['email']),
  })
  .strict();
export type EscalationLevel = z.infer<typeof EscalationLevel>;

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
    escalation: z.object({ levels: z.array(EscalationLevel).default([]) }).strict(),
    steps: z.array(Step).min(1),
    onResolve: z
      .object({ notify: z.array(Target).min(1), template: Id.default('resolution-notice') })
      .strict(),
  })
  .strict();
export type Runbook = z.infer<typeof Runbook>;
