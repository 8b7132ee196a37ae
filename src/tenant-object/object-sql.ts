/**
 * The D1 statement surface (src/db/client.ts `D1Statements`) over a Durable Object's own SQLite,
 * so the very query code that reads D1 — drizzle's builders, compiled statements, list pages —
 * reads the tenant object's serving copy unchanged. Statements run synchronously; a batch runs in
 * one storage transaction, as a D1 batch is one.
 */
import type { D1Statements } from '../db/client.ts';

type Row = Record<string, SqlStorageValue>;

/** D1 binds booleans as 0/1; the object's SQLite takes only numbers, strings, blobs and null. */
const bindable = (values: unknown[]) => values.map((v) => (typeof v === 'boolean' ? Number(v) : v));

function result<T>(rows: T[], rowsRead: number, changes: number): D1Result<T> {
  return { results: rows, success: true, meta: { duration: 0, size_after: 0, rows_read: rowsRead, rows_written: changes, last_row_id: 0, changed_db: changes > 0, changes } };
}

/** A statement of `ObjectSql`: its text and bound values, executed when asked for rows. */
class ObjectStatement implements D1PreparedStatement {
  readonly #sql: SqlStorage;
  readonly #query: string;
  readonly #values: unknown[];

  constructor(storage: SqlStorage, query: string, values: unknown[] = []) {
    this.#sql = storage;
    this.#query = query;
    this.#values = values;
  }

  bind(...values: unknown[]): ObjectStatement {
    return new ObjectStatement(this.#sql, this.#query, values);
  }

  /** Runs the statement: its rows as objects, and how many rows it read and wrote. */
  execute<T>(): D1Result<T> {
    const cursor = this.#sql.exec<Row>(this.#query, ...bindable(this.#values));
    const rows = cursor.toArray() as T[];
    return result(rows, cursor.rowsRead, cursor.rowsWritten);
  }

  async all<T>(): Promise<D1Result<T>> {
    return this.execute<T>();
  }

  async run<T>(): Promise<D1Result<T>> {
    return this.execute<T>();
  }

  first<T = unknown>(column: string): Promise<T | null>;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  async first<T>(column?: string): Promise<T | null> {
    const row = this.execute<Row>().results[0];
    if (row === undefined) return null;
    return (column === undefined ? row : (row[column] ?? null)) as T | null;
  }

  raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
  raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
  async raw<T>(options?: { columnNames?: boolean }): Promise<T[] | [string[], ...T[]]> {
    const cursor = this.#sql.exec(this.#query, ...bindable(this.#values));
    // Arrays, not objects: a join may repeat a column name, which an object cannot keep.
    const rows = [...cursor.raw()] as T[];
    return options?.columnNames ? [cursor.columnNames, ...rows] : rows;
  }
}

/** `prepare` and `batch` over `storage.sql`. */
export class ObjectSql implements D1Statements {
  readonly #storage: DurableObjectStorage;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  prepare(query: string): ObjectStatement {
    return new ObjectStatement(this.#storage.sql, query);
  }

  async batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    return this.#storage.transactionSync(() =>
      statements.map((s) => {
        if (!(s instanceof ObjectStatement)) throw new Error('an object-storage batch takes only statements it prepared');
        return s.execute<T>();
      }),
    );
  }
}
