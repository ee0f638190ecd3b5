/**
 * The shared store's one interface: SQL with numbered parameters, and transactions. Two
 * implementations speak it — a PostgreSQL server (store/postgres.ts) and an embedded PostgreSQL
 * (store/embedded.ts) — so every table and query is written once, in PostgreSQL's dialect.
 */

export interface Queryable {
  /** Rows of `sql` with `$1, $2, …` bound to `params`. */
  query<Row extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements, without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  /** Which backend answers; said in start-up lines and errors. */
  readonly describe: string;
  /** Runs `work` in one transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The store could not answer: callers fail closed and say so (503), never guess. */
export class StoreUnavailable extends Error {
  constructor(what: string, cause: unknown) {
    super(`the shared store is unavailable (${what}): ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
    this.name = 'StoreUnavailable';
  }
}
