/**
 * The on-disk outbox: where a message goes when its channel is not configured, so nothing is
 * silently dropped. One JSON file per message under <outbox>/<channel>/, named by its
 * idempotency key (a retry overwrites the same file instead of adding another). `lockout outbox`
 * reads it back, with the local SMTP sink's messages (`<outbox>/email/*.eml`).
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { Channel } from '../domain/runbook';

export interface OutboxRecord {
  channel: Channel;
  incidentId: string;
  step: string;
  recipient: { id: string; name: string; address?: string };
  subject: string;
  text: string;
  html?: string;
  sms?: string;
  /** Channel-specific payload as it would have been sent (webhook JSON, TwiML). */
  payload?: unknown;
  reason: string;
  writtenAt: string;
}

export function writeOutbox(outboxDir: string, key: string, record: OutboxRecord): string {
  const dir = join(outboxDir, record.channel);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${key}.json`);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
}

/** One message kept in the outbox, as `lockout outbox` lists it. */
export interface OutboxEntry {
  writtenAt: string;
  channel: string;
  incidentId: string;
  step: string;
  to: string;
  subject: string;
  reason: string;
  /** Where it is: a file, or `outbox:<key>` in the shared store. */
  where: string;
}

export function outboxEntry(record: Partial<OutboxRecord>, where: string, writtenAt?: string): OutboxEntry {
  const r = record.recipient;
  return {
    writtenAt: writtenAt ?? record.writtenAt ?? '',
    channel: String(record.channel ?? ''),
    incidentId: String(record.incidentId ?? ''),
    step: String(record.step ?? ''),
    to: r ? `${r.name ?? r.id ?? ''}${r.address ? ` <${r.address}>` : ''}` : '',
    subject: String(record.subject ?? ''),
    reason: String(record.reason ?? ''),
    where,
  };
}

/** A message the local SMTP sink kept (`<outbox>/email/*.eml`): the headers it was sent with. */
async function sinkEntry(file: string): Promise<OutboxEntry> {
  const mail = await simpleParser(readFileSync(file));
  const header = (name: string) => {
    const value = mail.headers.get(name);
    return typeof value === 'string' ? value : '';
  };
  return {
    writtenAt: (mail.date ?? statSync(file).mtime).toISOString(),
    channel: 'email',
    incidentId: header('x-lockout-incident'),
    step: header('x-lockout-step'),
    to: mail.to ? (Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : mail.to.text) : '',
    subject: mail.subject ?? '',
    reason: 'no SMTP_URL set: kept by the local SMTP sink',
    where: file,
  };
}

/** Every message under the outbox directory, newest first; a file that cannot be read is skipped. */
export async function readOutboxDir(outboxDir: string): Promise<OutboxEntry[]> {
  const entries: OutboxEntry[] = [];
  if (!existsSync(outboxDir)) return entries;
  for (const channel of readdirSync(outboxDir)) {
    const dir = join(outboxDir, channel);
    if (!statSync(dir).isDirectory()) continue;
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      try {
        if (name.endsWith('.json'))
          entries.push(outboxEntry(JSON.parse(readFileSync(file, 'utf8')) as Partial<OutboxRecord>, file));
        else if (name.endsWith('.eml')) entries.push(await sinkEntry(file));
      } catch {
        // Half-written or foreign: not a message of ours.
      }
    }
  }
  return entries.sort((a, b) => b.writtenAt.localeCompare(a.writtenAt));
}
