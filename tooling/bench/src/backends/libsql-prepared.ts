// The raw libSQL sides' connection: `libsql` (the better-sqlite3 API under @libsql/client) with
// every statement prepared once and reused, rows as arrays. This is the fastest way to run SQL on
// a local file from Node, and what the stowage driver itself does for local databases; through
// @libsql/client, which prepares every statement again on every call, a one-row read measured
// 65 µs against 11 µs here, and a baseline that slow would flatter stowage.

import { createRequire } from "node:module";
import type LibsqlDatabase from "libsql";

type Database = InstanceType<typeof LibsqlDatabase>;
type Statement = ReturnType<Database["prepare"]>;
type Arg = unknown;

const Database = createRequire(import.meta.url)("libsql") as typeof LibsqlDatabase;

export interface Rows {
  readonly rows: unknown[][];
  readonly rowsAffected: number;
}

export class PreparedSqlite {
  readonly #db: Database;
  readonly #cache = new Map<string, { stmt: Statement; reader: boolean }>();

  constructor(path: string) {
    this.#db = new Database(path);
  }

  /** `file:/abs/path.db` or a path. */
  static open(url: string): PreparedSqlite {
    return new PreparedSqlite(url.replace(/^file:/, ""));
  }

  #prepared(sql: string): { stmt: Statement; reader: boolean } {
    let entry = this.#cache.get(sql);
    if (!entry) {
      const stmt = this.#db.prepare(sql);
      const reader = stmt.reader;
      if (reader) stmt.raw(true);
      entry = { stmt, reader };
      this.#cache.set(sql, entry);
    }
    return entry;
  }

  #run(sql: string, args: readonly Arg[]): Rows {
    const { stmt, reader } = this.#prepared(sql);
    if (!reader) return { rows: [], rowsAffected: (stmt.run([...args]) as { changes: number }).changes };
    return { rows: stmt.all([...args]) as unknown[][], rowsAffected: 0 };
  }

  async execute(statement: string | { sql: string; args: readonly Arg[] }): Promise<Rows> {
    return typeof statement === "string"
      ? this.#run(statement, [])
      : this.#run(statement.sql, statement.args);
  }

  /** The statements in one transaction (`write`: BEGIN IMMEDIATE). */
  async batch(
    statements: readonly { sql: string; args: readonly Arg[] }[],
    _mode: "write",
  ): Promise<Rows[]> {
    this.#run("BEGIN IMMEDIATE", []);
    try {
      const out = statements.map((s) => this.#run(s.sql, s.args));
      this.#run("COMMIT", []);
      return out;
    } catch (error) {
      if (this.#db.inTransaction) this.#run("ROLLBACK", []);
      throw error;
    }
  }

  close(): void {
    this.#cache.clear();
    this.#db.close();
  }
}
