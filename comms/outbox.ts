/**
 * The on-disk outbox: where a message goes when its channel is not configured, so nothing is
 * silently dropped. One JSON file per message under <outbox>/<channel>/, named by its
 * idempotency key (a retry overwrites the same file instead of adding another).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
