/**
 * Drizzle statements compiled to SQL text once per shape, then run many times with only their
 * values bound. Drizzle builds a query by walking every chunk with `is()` prototype checks; for a
 * list's batch (count, page, the page's groups) that was ~0.3 ms of a 1-row lookup's CPU, and for
 * a write's batch (row, emails, page bucket, audit row) ~0.5 ms, more than all of our own code. The
 * text is exactly what drizzle would send; values are encoded and rows decoded as drizzle does.
 */
import { is, Param, Placeholder, SQL, sql, type DriverValueDecoder, type DriverValueEncoder } from 'drizzle-orm';
import { SQLiteAsyncDialect } from 'drizzle-orm/sqlite-core';
import type { D1Statements, Database } from './client.ts';

/** How each value a statement returns is decoded, in order, keyed as its rows are: its columns, or a decoder per SQL expression. */
export type SelectedFields = Record<string, DriverValueDecoder<unknown, unknown>>;

/** A statement as SQL text with its parameters: named placeholders bound per run, or constants of the shape. */
export interface CompiledStatement<Row> {
  sql: string;
  /** The parameters in order, for these placeholder values. */
  bind(values: Record<string, unknown>): unknown[];
  decode(row: Record<string, unknown>): Row;
  /** Set when its rows are `CopyRow`s (src/db/row-json.ts): the serving copy takes them once the batch commits. */
  copyRows?: true;
}

/** One run of a compiled statement: the statement and its placeholders' values. */
export interface CompiledRun {
  statement: CompiledStatement<unknown>;
  values: Record<string, unknown>;
  /** Set on a side statement (page bucket, audit row) that a combined batch may merge with other writes'. */
  merge?: MergeRule;
}

/**
 * How the same statement of several writes in one combined batch (src/tenant-object/group-commit.ts)
 * becomes one run. Only for statements no later statement of the write depends on through
 * `changes()`, and whose rows, if a write reads them, it can tell apart (each write gets the merged
 * run's whole result): the merged runs go after every write's own statements, in the order their
 * keys were first met. A write sent alone runs its own statement.
 */
export interface MergeRule {
  /** Runs of one key merge into one: the rule and its target (e.g. one bucket's upsert). */
  key: string;
  /** The one run standing for these runs' values (in the order the writes were handed in). */
  merge(values: readonly Record<string, unknown>[]): CompiledRun;
}

/** What a group commit needs to know of a statement beyond its text: its run's merge rule, and whether its rows are for the serving copy. */
export interface StatementTags {
  merge?: { rule: MergeRule; values: Record<string, unknown> };
  copyRows?: true;
}

/** A prepared statement that a group commit can tag (others ignore the tags). */
interface TaggableStatement extends D1PreparedStatement {
  tagged?(tags: StatementTags): D1PreparedStatement;
}

const dialect = new SQLiteAsyncDialect();

/** `{ sql, params }` of a drizzle SQL fragment, as drizzle renders it inside a whole query. */
export function renderFragment(fragment: SQL): { sql: string; params: unknown[] } {
  return dialect.sqlToQuery(fragment);
}

type Slot = { placeholder: string; encoder?: DriverValueEncoder<unknown, unknown> } | { constant: unknown };

/**
 * Compiles a drizzle statement built with placeholders (a SELECT, or an INSERT/UPDATE/DELETE);
 * `fields` are what it selects or returns, in order (none for a statement without rows).
 */
export function compileStatement<Row>(query: SQL | { toSQL(): { sql: string; params: unknown[] } }, fields: SelectedFields = {}): CompiledStatement<Row> {
  const { sql: text, params } = is(query, SQL) ? renderFragment(query) : query.toSQL();
  // As drizzle's fillPlaceholders: a placeholder comes bare, or wrapped in a Param with its column's
  // encoder (an inserted or set value: JSON text, booleans as 0/1); the rest are constants.
  const slots: Slot[] = params.map((p) =>
    is(p, Placeholder) ? { placeholder: p.name } : is(p, Param) && is(p.value, Placeholder) ? { placeholder: p.value.name, encoder: p.encoder } : { constant: p },
  );
  const decoders = Object.entries(fields);
  return {
    sql: text,
    bind: (values) =>
      slots.map((slot) => {
        if ('constant' in slot) return slot.constant;
        if (!(slot.placeholder in values)) throw new Error(`no value for placeholder "${slot.placeholder}"`);
        const value = values[slot.placeholder];
        return slot.encoder ? slot.encoder.mapToDriverValue(value) : value;
      }),
    // As drizzle's D1 batch does: a row object's values in column order; NULL stays null.
    decode(row) {
      const values = Object.values(row);
      const out: Record<string, unknown> = {};
      decoders.forEach(([key, decoder], i) => {
        const value = values[i];
        out[key] = value === null ? null : decoder.mapFromDriverValue(value);
      });
      return out as Row;
    },
  };
}

/**
 * A placeholder per key, typed as the values it stands for: drizzle's `.values()` and `.set()`
 * take placeholders at runtime (wrapped with the column's encoder) though `.set()`'s types do not.
 */
export function placeholdersOf<T extends object, K extends keyof T & string>(keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, sql.placeholder(k)])) as unknown as Pick<T, K>;
}

/**
 * A statement compiled on first use and shared by every later one (its text never depends on the
 * database instance drizzle built it with, only on its shape).
 */
export function compiledOnce<Row>(build: (db: Database) => CompiledStatement<Row>): (db: Database) => CompiledStatement<Row> {
  let compiled: CompiledStatement<Row> | undefined;
  return (db) => (compiled ??= build(db));
}

/**
 * An UPDATE compiled once per set of `columns` it sets, chosen per write as those whose values
 * changed: D1 writes (and bills) an index entry for every indexed column an UPDATE sets, even to the
 * value it had, so a deactivation that also set userName, externalId and displayName to themselves
 * wrote three index rows for nothing. `build` gets the changed columns and adds what every update sets.
 */
export function compiledPerChange<Row, K extends keyof Row & string, R = unknown>(
  columns: readonly K[],
  build: (db: Database, changed: K[]) => CompiledStatement<R>,
): (db: Database, current: Pick<Row, K>, next: Pick<Row, K>) => CompiledStatement<R> {
  const shapes = new Map<number, CompiledStatement<R>>();
  return (db, current, next) => {
    let mask = 0;
    columns.forEach((column, i) => {
      if (current[column] !== next[column]) mask |= 1 << i;
    });
    let compiled = shapes.get(mask);
    if (!compiled) shapes.set(mask, (compiled = build(db, columns.filter((_, i) => mask & (1 << i)))));
    return compiled;
  };
}

/** A drizzle statement with its values inlined, run once: for the rare writes not worth a shape of their own. */
export function runOnce(query: SQL | { toSQL(): { sql: string; params: unknown[] } }, fields?: SelectedFields): CompiledRun {
  return { statement: compileStatement(query, fields), values: {} };
}

/**
 * Runs one compiled statement by itself, not as a batch: through the tenant object's binding it
 * waits for the pending group commit but is no write's batch (it takes no token guard and does
 * not release the write queue).
 */
export async function runCompiled(d1: D1Statements, run: CompiledRun): Promise<void> {
  await prepareRun(d1, run).run();
}

/** A compiled run as a D1 statement with its values bound. */
export function prepareRun(d1: D1Statements, { statement, values }: CompiledRun): D1PreparedStatement {
  return d1.prepare(statement.sql).bind(...statement.bind(values));
}

/** Runs compiled statements, each with its own values, as one D1 batch: each one's decoded rows. */
export async function batchCompiled(d1: D1Statements, runs: readonly CompiledRun[]): Promise<unknown[][]> {
  const results = await d1.batch(
    runs.map((run) => {
      const prepared: TaggableStatement = prepareRun(d1, run);
      const { copyRows } = run.statement;
      if (!(run.merge || copyRows) || !prepared.tagged) return prepared;
      return prepared.tagged({ ...(run.merge ? { merge: { rule: run.merge, values: run.values } } : {}), ...(copyRows ? { copyRows } : {}) });
    }),
  );
  return results.map((result, i) => ((result.results ?? []) as Record<string, unknown>[]).map((row) => runs[i]!.statement.decode(row)));
}
