/**
 * The responder directory: people, their contact points and roles, and named audiences.
 * A runbook target resolves here to the recipients to tell, at the moment of notification.
 */
import { z } from 'zod';
import { loadYamlFile } from '../config/yaml-file';

const Email = z.email();
const Phone = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number like +4915112345678');
const Key = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and "-"');

export const Person = z
  .object({
    name: z.string().min(1),
    email: Email.optional(),
    phone: Phone.optional(),
    timezone: z.string().default('UTC'),
    roles: z.array(Key).default([]),
  })
  .strict();

export const Directory = z
  .object({
    people: z.record(Key, Person),
    audiences: z.record(
      Key,
      z.object({ description: z.string().optional(), members: z.array(z.string()).min(1) }).strict(),
    ),
  })
  .strict()
  .superRefine((dir, ctx) => {
    for (const [audience, { members }] of Object.entries(dir.audiences)) {
      members.forEach((member, i) => {
        const problem = memberProblem(dir, member);
        if (problem)
          ctx.addIssue({ code: 'custom', path: ['audiences', audience, 'members', i], message: problem });
      });
    }
  });
export type Directory = z.infer<typeof Directory>;

export interface Recipient {
  /** Person id, or the address itself for people outside the directory. */
  id: string;
  name: string;
  email?: string;
  phone?: string;
}

function memberProblem(dir: z.infer<typeof Directory>, member: string): string | undefined {
  if (member.startsWith('person:')) {
    return dir.people[member.slice(7)] ? undefined : `unknown person "${member.slice(7)}"`;
  }
  if (member.includes('@'))
    return Email.safeParse(member).success ? undefined : `"${member}" is not an email address`;
  if (member.startsWith('+'))
    return Phone.safeParse(member).success ? undefined : `"${member}" is not an E.164 number`;
  return dir.people[member]
    ? undefined
    : `unknown person "${member}" (use an id from people:, an email or a phone number)`;
}

export function loadDirectory(file: string): Directory {
  return loadYamlFile(file, Directory);
}

/** Why a runbook target cannot be resolved against this directory, or undefined if it can. */
export function targetProblem(dir: Directory, target: string): string | undefined {
  if (dir.audiences[target]) return undefined;
  if (target.startsWith('person:') || target.includes('@') || target.startsWith('+'))
    return memberProblem(dir, target);
  return `unknown audience "${target}" (known: ${Object.keys(dir.audiences).join(', ')})`;
}

function recipientOf(dir: Directory, member: string): Recipient {
  const personId = member.startsWith('person:') ? member.slice(7) : member;
  const person = dir.people[personId];
  if (person) return { id: personId, name: person.name, email: person.email, phone: person.phone };
  if (member.includes('@')) return { id: member, name: member, email: member };
  return { id: member, name: member, phone: member };
}

/** Recipients of a target, de-duplicated by id, in directory order. Throws on an unknown target. */
export function resolveTarget(dir: Directory, target: string): Recipient[] {
  const problem = targetProblem(dir, target);
  if (problem) throw new Error(problem);
  const members = dir.audiences[target]?.members ?? [target];
  const seen = new Set<string>();
  return members.map((m) => recipientOf(dir, m)).filter((r) => !seen.has(r.id) && Boolean(seen.add(r.id)));
}
