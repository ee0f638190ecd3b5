/**
 * The responder directory: people and how to reach them, teams, on-call rotas, shared webhook
 * channels (Slack/Teams rooms) and named audiences. A runbook target resolves here to the
 * recipients to tell, at the moment of notification.
 *
 * Targets: an audience id (`operations`), `person:<id>`, `role:<role>`, `team:<id>`,
 * `rota:<id>` (whoever is on call at that moment), `webhook:<id>`, or a literal email address
 * or E.164 phone number (people outside the company are first-class recipients).
 */
import { z } from 'zod';
import { loadYamlFile } from '../lib/yaml-file';
import { Channel, CHANNELS } from '../domain/runbook';
import { onCallAt, Rota, TimeZone } from './rota';

const Email = z.email();
const Phone = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number like +4915112345678');
const Key = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and "-"');

export const WEBHOOK_FORMATS = ['slack', 'teams', 'teams-adaptive'] as const;
export const WebhookFormat = z.enum(WEBHOOK_FORMATS);
export type WebhookFormat = z.infer<typeof WebhookFormat>;

/**
 * An incoming-webhook URL is a credential: give it inline (`url`) or, better, name the
 * environment variable that holds it (`urlEnv`). Unset → messages go to the outbox.
 */
const WebhookEndpoint = {
  url: z.url({ protocol: /^https?$/ }).optional(),
  urlEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name like SLACK_OPS_WEBHOOK_URL')
    .optional(),
  format: WebhookFormat.default('slack'),
};
const oneUrl = (w: { url?: string; urlEnv?: string }) => Boolean(w.url) !== Boolean(w.urlEnv);
const oneUrlMessage = { message: 'give exactly one of url or urlEnv', path: ['url'] };

export const Person = z
  .object({
    name: z.string().min(1),
    email: Email.optional(),
    phone: Phone.optional(),
    webhook: z.object(WebhookEndpoint).strict().refine(oneUrl, oneUrlMessage).optional(),
    timezone: TimeZone.default('UTC'),
    roles: z.array(Key).default([]),
    /** The channels this person may be reached on (default: every one they have a contact point for). */
    channels: z.array(Channel).min(1).optional(),
  })
  .strict();
export type Person = z.infer<typeof Person>;

export const Team = z
  .object({ name: z.string().min(1), description: z.string().optional(), members: z.array(Key).min(1) })
  .strict();

export const SharedWebhook = z
  .object({ name: z.string().min(1), ...WebhookEndpoint })
  .strict()
  .refine(oneUrl, oneUrlMessage);

export const Audience = z
  .object({ description: z.string().optional(), members: z.array(z.string().min(1)).min(1) })
  .strict();

export const Organisation = z
  .object({
    /** The data controller's name, as it appears in formal notices. */
    name: z.string().min(1),
    /** The lead supervisory authority for GDPR Art. 33 notifications. */
    supervisoryAuthority: z.string().min(1).optional(),
  })
  .strict();

export const Directory = z
  .object({
    organisation: Organisation.optional(),
    people: z.record(Key, Person),
    teams: z.record(Key, Team).default({}),
    rotas: z.record(Key, Rota).default({}),
    webhooks: z.record(Key, SharedWebhook).default({}),
    audiences: z.record(Key, Audience),
    /** Hourly cost of responder time by role, for the crisis budget (docs/readiness.md). */
    rates: z.record(Key, z.number().nonnegative()).default({}),
  })
  .strict()
  .superRefine((dir, ctx) => {
    const person = (id: string, path: PropertyKey[]) => {
      if (!dir.people[id]) ctx.addIssue({ code: 'custom', path, message: `unknown person "${id}"` });
    };
    for (const [team, { members }] of Object.entries(dir.teams))
      members.forEach((m, i) => person(m, ['teams', team, 'members', i]));
    for (const [rota, { order, overrides, owner }] of Object.entries(dir.rotas)) {
      order.forEach((m, i) => person(m, ['rotas', rota, 'order', i]));
      if (owner) person(owner, ['rotas', rota, 'owner']);
      overrides.forEach((o, i) => person(o.person, ['rotas', rota, 'overrides', i, 'person']));
    }
    for (const [audience, { members }] of Object.entries(dir.audiences)) {
      members.forEach((member, i) => {
        const problem = memberProblem(dir, member);
        if (problem)
          ctx.addIssue({ code: 'custom', path: ['audiences', audience, 'members', i], message: problem });
      });
    }
  });
export type Directory = z.infer<typeof Directory>;

/** Someone (or some room) to tell, as the workflow sees them. */
export interface Recipient {
  /** Person id, `webhook:<id>`, or the address itself for people outside the directory. */
  id: string;
  name: string;
  email?: string;
  phone?: string;
  /** IANA zone for times in their messages. */
  timezone?: string;
  /**
   * Channels this recipient can be reached on. The webhook URL is not here (it may be a secret
   * and would land in the workflow history): the sending activity looks it up by `id`.
   */
  channels?: Channel[];
  /** Why this recipient was chosen, when it is not obvious: "on call (rota engineering) until …". */
  via?: string;
}

const PREFIXES = ['person', 'role', 'team', 'rota', 'webhook'] as const;

function prefixed(target: string): { kind: (typeof PREFIXES)[number]; id: string } | undefined {
  const colon = target.indexOf(':');
  const kind = target.slice(0, colon) as (typeof PREFIXES)[number];
  return colon > 0 && PREFIXES.includes(kind) ? { kind, id: target.slice(colon + 1) } : undefined;
}

/** Why an audience member cannot be resolved, or undefined if it can. */
function memberProblem(dir: Directory, member: string): string | undefined {
  const ref = prefixed(member);
  if (ref) {
    const known = {
      person: dir.people,
      team: dir.teams,
      rota: dir.rotas,
      webhook: dir.webhooks,
      role: Object.fromEntries(Object.values(dir.people).flatMap((p) => p.roles.map((r) => [r, true]))),
    }[ref.kind];
    if (known[ref.id]) return undefined;
    const names = Object.keys(known);
    return `unknown ${ref.kind} "${ref.id}"${names.length ? ` (known: ${names.join(', ')})` : ''}`;
  }
  if (member.includes('@'))
    return Email.safeParse(member).success ? undefined : `"${member}" is not an email address`;
  if (member.startsWith('+'))
    return Phone.safeParse(member).success ? undefined : `"${member}" is not an E.164 number`;
  return dir.people[member]
    ? undefined
    : `unknown person "${member}" (use a person id, person:/role:/team:/rota:/webhook:<id>, an email or a phone number)`;
}

export function loadDirectory(file: string): Directory {
  return loadYamlFile(file, Directory);
}

/** Why a runbook target cannot be resolved against this directory, or undefined if it can. */
export function targetProblem(dir: Directory, target: string): string | undefined {
  if (dir.audiences[target]) return undefined;
  if (prefixed(target) || target.includes('@') || target.startsWith('+')) return memberProblem(dir, target);
  return `unknown audience "${target}" (known: ${Object.keys(dir.audiences).join(', ')}; or person:/role:/team:/rota:/webhook:<id>, an email or a phone number)`;
}

/** Channels a person can be reached on: their contact points, narrowed by their preference. */
function channelsOf(contact: { email?: string; phone?: string; webhook?: unknown }, allowed?: Channel[]) {
  const has = (c: Channel): boolean =>
    c === 'email'
      ? Boolean(contact.email)
      : c === 'sms' || c === 'voice'
        ? Boolean(contact.phone)
        : c === 'webhook' && Boolean(contact.webhook);
  return CHANNELS.filter((c) => has(c) && (!allowed || allowed.includes(c)));
}

function personRecipient(dir: Directory, id: string, via?: string): Recipient {
  const p = dir.people[id]!;
  return {
    id,
    name: p.name,
    email: p.email,
    phone: p.phone,
    timezone: p.timezone,
    channels: channelsOf(p, p.channels),
    ...(via ? { via } : {}),
  };
}

function membersOf(dir: Directory, member: string, at: string): Recipient[] {
  const ref = prefixed(member);
  switch (ref?.kind) {
    case 'person':
      return [personRecipient(dir, ref.id)];
    case 'role':
      return Object.entries(dir.people)
        .filter(([, p]) => p.roles.includes(ref.id))
        .map(([id]) => personRecipient(dir, id, `role ${ref.id}`));
    case 'team':
      return dir.teams[ref.id]!.members.map((id) => personRecipient(dir, id, `team ${ref.id}`));
    case 'rota': {
      const onCall = onCallAt(dir.rotas[ref.id]!, at);
      const why = onCall.override
        ? `override${onCall.override.reason ? `: ${onCall.override.reason}` : ''}`
        : 'rotation';
      return [
        personRecipient(dir, onCall.person, `on call for rota ${ref.id} until ${onCall.until} (${why})`),
      ];
    }
    case 'webhook': {
      const hook = dir.webhooks[ref.id]!;
      return [{ id: member, name: hook.name, channels: ['webhook'] }];
    }
  }
  if (dir.people[member]) return [personRecipient(dir, member)];
  if (member.includes('@')) return [{ id: member, name: member, email: member, channels: ['email'] }];
  return [{ id: member, name: member, phone: member, channels: ['sms', 'voice'] }];
}

/**
 * Recipients of a target at instant `at` (ISO; rotas are resolved at that moment),
 * de-duplicated by id, in directory order. Throws with the reason on an unknown target.
 */
export function resolveTarget(
  dir: Directory,
  target: string,
  at: string = new Date().toISOString(),
): Recipient[] {
  const problem = targetProblem(dir, target);
  if (problem) throw new Error(problem);
  const members = dir.audiences[target]?.members ?? [target];
  const seen = new Set<string>();
  return members
    .flatMap((m) => membersOf(dir, m, at))
    .filter((r) => !seen.has(r.id) && Boolean(seen.add(r.id)));
}

/** The webhook a recipient is reached by (a person's own, or a shared room), if any. */
export function webhookOf(dir: Directory, recipientId: string) {
  const ref = prefixed(recipientId);
  if (ref?.kind === 'webhook') return dir.webhooks[ref.id];
  return dir.people[recipientId]?.webhook;
}

/** The first person holding a role (e.g. `dpo`), for contact details in formal notices. */
export function personWithRole(dir: Directory, role: string): Person | undefined {
  return Object.values(dir.people).find((p) => p.roles.includes(role));
}
