/**
 * Drizzle SELECTs compiled to SQL text once per shape, then run many times with only their values
 * bound. Drizzle builds a query by walking every chunk with `is()` prototype checks; for a list's
 * batch (count, page, the page's groups) that was ~0.3 ms of a 1-row lookup's CPU, more than all of
 * our own code. The text is exactly what drizzle would send; rows are decoded as drizzle decodes them.
 */
import { is, Param, Placeholder, sql, type DriverValueDecoder, type SQL } from 'drizzle-orm';
import { SQLiteAsyncDialect } from 'drizzle-orm/sqlite-core';

/** How each value a SELECT returns is decoded, in order, keyed as its rows are: its columns, or a decoder per SQL expression. */
export type SelectedFields = Record<string, DriverValueDecoder<unknown, unknown>>;

/** A SELECT as SQL text with its parameters: named placeholders bound per run, or constants of the shape. */
export interface CompiledSelect<Row> {
  sql: string;
  /** The parameters in order, for these placeholder values. */
  bind(values: Record<string, unknown>): unknown[];
  decode(row: Record<string, unknown>): Row;
}

const dialect = new SQLiteAsyncDialect();

/** `{ sql, params }` of a drizzle SQL fragment, as drizzle renders it inside a whole query. */
export function renderFragment(fragment: SQL): { sql: string; params: unknown[] } {
  return dialect.sqlToQuery(fragment);
}

/**
 * A rendered fragment rebuilt with its values as placeholders `${prefix}0`, `${prefix}1`, …, so a
 * query compiled around it is reused for any values; undefined when its text holds a `?` that
 * is not a parameter (then it cannot be split safely).
 */
export function parameterized(fragment: { sql: string; params: unknown[] }, prefix: string): SQL | undefined {
  const pieces = fragment.sql.split('?');
  if (pieces.length !== fragment.params.length + 1) return undefined;
  const chunks: SQL[] = [];
  pieces.forEach((piece, i) => {
    chunks.push(sql.raw(piece));
    if (i < fragment.params.length) chunks.push(sql`${sql.placeholder(`${prefix}${i}`)}`);
  });
  return sql.join(chunks);
}

/** Compiles a drizzle SELECT built with placeholders; `fields` are what it selects, in order. */
export function compileSelect<Row>(query: { toSQL(): { sql: string; params: unknown[] } }, fields: SelectedFields): CompiledSelect<Row> {
  const { sql: text, params } = query.toSQL();
  // As drizzle's fillPlaceholders: a placeholder comes bare or wrapped in a Param; the rest are constants.
  const slots = params.map((p) => (is(p, Placeholder) ? p : is(p, Param) && is(p.value, Placeholder) ? p.value : { constant: p }));
  const decoders = Object.entries(fields);
  return {
    sql: text,
    bind: (values) =>
      slots.map((slot) => {
        if (!(slot instanceof Placeholder)) return slot.constant;
        if (!(slot.name in values)) throw new Error(`no value for placeholder "${slot.name}"`);
        return values[slot.name];
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

/** Runs compiled SELECTs as one D1 batch with `values` for their placeholders: each one's decoded rows. */
export async function batchCompiled(d1: D1Database, statements: readonly CompiledSelect<unknown>[], values: Record<string, unknown>): Promise<unknown[][]> {
  const results = await d1.batch(statements.map((s) => d1.prepare(s.sql).bind(...s.bind(values))));
  return results.map((result, i) => (result.results as Record<string, unknown>[]).map((row) => statements[i]!.decode(row)));
}
