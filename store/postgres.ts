/** The store on a PostgreSQL server (LOCKOUT_DATABASE_URL): what gateway replicas share. */
import { Pool } from 'pg';
import type { Database, Queryable } from './database';

export interface PostgresOptions {
  url: string;
  /** Reports errors of idle connections (a restarted server), which would otherwise crash the process. */
  onIdleError?: (err: Error) => void;
  /** How long to wait for a connection before failing the request (default 5 s). */
  connectTimeoutMs?: number;
}

export function postgresDatabase(options: PostgresOptions): Database {
  const pool = new Pool({
    connectionString: options.url,
    max: 10,
    // An unreachable server must fail the request quickly (503), not hang it.
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    query_timeout: 10_000,
  });
  pool.on('error', (err) => options.onIdleError?.(err));
  const { hostname, port, pathname } = new URL(options.url);
  return {
    describe: `PostgreSQL at ${hostname}:${port || 5432}${pathname}`,
    async query<Row extends object>(sql: string, params: unknown[] = []) {
      return (await pool.query(sql, params)).rows as Row[];
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({
          query: async <Row extends object>(sql: string, params: unknown[] = []) =>
            (await client.query(sql, params)).rows as Row[],
          exec: async (sql: string) => void (await client.query(sql)),
        });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
