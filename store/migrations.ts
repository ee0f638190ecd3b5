/**
 * Schema changes as numbered SQL files in store/migrations/ (`001-what.sql`, `002-…`), each
 * applied once, in order, in one transaction, and recorded in `schema_migrations`. Replicas
 * starting together queue on an advisory lock, so a migration never runs twice. Add a table by
 * adding the next file; never edit one that has shipped.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './database';

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

const DIR = join(__dirname, 'migrations');
/** Any fixed number, the same in every replica: the key of the migrations' advisory lock. */
const MIGRATION_LOCK = 7_433_150_011;

export function loadMigrations(dir = DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = /^(\d+)-([a-z0-9-]+)\.sql$/.exec(file);
      if (!match) throw new Error(`${join(dir, file)}: name migrations NNN-what-it-does.sql`);
      return { id: Number(match[1]), name: match[2]!, sql: readFileSync(join(dir, file), 'utf8') };
    })
    .sort((a, b) => a.id - b.id);
  for (const [i, m] of migrations.entries())
    if (m.id !== i + 1) throw new Error(`${dir}: migration ${i + 1} is missing or numbered twice`);
  return migrations;
}

/** Applies what is not applied yet; returns the ids it applied (none when up to date). */
export async function migrate(db: Database, migrations = loadMigrations()): Promise<number[]> {
  return db.transaction(async (tx) => {
    // Taken before anything else, even creating the bookkeeping table: two replicas creating it
    // at once would collide.
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set(
      (await tx.query<{ id: number }>('SELECT id FROM schema_migrations')).map((row) => row.id),
    );
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (id, name) VALUES ($1, $2)', [m.id, m.name]);
      applied.push(m.id);
    }
    return applied;
  });
}
