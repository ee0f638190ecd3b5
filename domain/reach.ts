/**
 * Which of a message's channels reach a recipient: the runbook's order, limited to the channels
 * the recipient has. The workflow and the notification activity both decide with it.
 */
import type { Channel } from './runbook';

/** What a resolved recipient says about how to reach it (comms/directory.ts Recipient). */
export interface Reachable {
  channels?: Channel[];
  email?: string;
  phone?: string;
}

export function channelsFor(recipient: Reachable, wanted: readonly Channel[]): Channel[] {
  // Recipients resolved before `channels` existed carry only their addresses.
  const has: Channel[] = recipient.channels ?? [
    ...(recipient.email ? (['email'] as const) : []),
    ...(recipient.phone ? (['sms', 'voice'] as const) : []),
  ];
  return wanted.filter((c) => has.includes(c));
}
