/** The test's real D1 binding, with the number of statements of each batch that reaches it. */
import { env } from 'cloudflare:test';

/** `d1` forwards to `env.DB`; `calls` holds each batch's statement count, in order. */
export function countingD1() {
  const calls: number[] = [];
  const d1 = {
    prepare: (query: string) => env.DB.prepare(query),
    batch: (statements: D1PreparedStatement[]) => {
      calls.push(statements.length);
      return env.DB.batch(statements);
    },
  } as unknown as D1Database;
  return { d1, calls };
}
