/**
 * A D1 binding that hands every call it forwards — a statement's `first`/`all`/`run`/`raw`, or a
 * batch — to `around`, which runs it and may look at it: for counting calls and reading D1's meta
 * (test/support/write-rows.ts) or timing statements (bench/tenant-deletion.ts). Plain D1 API, so it
 * serves workerd tests and Miniflare's D1 from Node alike.
 */
export type AroundCall = <T>(kind: 'statement' | 'batch', call: () => Promise<T>) => Promise<T>;

const UNWRAP = Symbol('unwrapped statement');

export function observedD1(d1: D1Database, around: AroundCall): D1Database {
  const observed = (statement: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, name) {
        if (name === 'bind') return (...values: unknown[]) => observed(target.bind(...values));
        if (name === 'first' || name === 'all' || name === 'run' || name === 'raw') {
          return (...args: unknown[]) => around('statement', () => (target[name] as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        }
        if (name === UNWRAP) return target;
        const value = Reflect.get(target, name, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  const unwrapped = (statement: D1PreparedStatement) => (statement as unknown as Record<symbol, D1PreparedStatement | undefined>)[UNWRAP] ?? statement;
  return {
    prepare: (query: string) => observed(d1.prepare(query)),
    batch: (statements: D1PreparedStatement[]) => around('batch', () => d1.batch(statements.map(unwrapped))),
  } as unknown as D1Database;
}

/** `d1` recording, for each statement it runs, D1's rows read and the rows it returned. */
export function rowsReadPerStatement(d1: D1Database): { d1: D1Database; statements: { read: number; returned: number }[] } {
  const statements: { read: number; returned: number }[] = [];
  const counted = observedD1(d1, async (_kind, call) => {
    const result = (await call()) as D1Result;
    statements.push({ read: result.meta.rows_read, returned: result.results.length });
    return result as never;
  });
  return { d1: counted, statements };
}
