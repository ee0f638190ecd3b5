/**
 * The store embedded in the process (PGlite: PostgreSQL compiled to WebAssembly), for `npm start`
 * with no database server. Same SQL as the server. One process only: a second process opening
 * the same directory is refused by PGlite, so gateway replicas need LOCKOUT_DATABASE_URL.
 */
import type { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable } from './database';

/** `dir`: where the data lives; undefined keeps it in memory (tests). */
export async function embeddedDatabase(dir?: string): Promise<Database> {
  // Loaded here, not at start-up: commands that never open the store skip its WebAssembly.
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(dir ? { dataDir: dir } : {});
  const queryable = (q: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    query: async <Row extends object>(sql: string, params: unknown[] = []) =>
      (await q.query<Row>(sql, params)).rows,
    exec: async (sql: string) => void (await q.exec(sql)),
  });
  return {
    describe: dir ? `embedded PostgreSQL (PGlite) in ${dir}` : 'embedded PostgreSQL (PGlite) in memory',
    ...queryable(db),
    transaction: (work) => db.transaction((tx) => work(queryable(tx))),
    close: () => db.close(),
  };
}
