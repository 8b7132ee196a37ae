/**
 * The test's real D1 binding with D1's real failures injected into batches, in order: `overloaded`
 * fails a batch before it runs (nothing written), `lost-after-commit` runs it and then loses the
 * reply (everything written, the caller told otherwise), `reset` fails it as a storage reset does.
 * Batches past the plan run normally. `calls` counts batches that reached the wrapper.
 */
import { env } from 'cloudflare:test';

export type Fault = 'overloaded' | 'lost-after-commit' | 'reset' | 'ok';

const MESSAGES: Record<Exclude<Fault, 'ok'>, string> = {
  overloaded: 'D1_ERROR: D1 DB is overloaded. Requests queued for too long.',
  'lost-after-commit': 'D1_ERROR: Network connection lost.',
  reset: 'D1_ERROR: D1 DB storage operation exceeded timeout which caused object to be reset.',
};

export function faultyD1(plan: Fault[]) {
  const faults = [...plan];
  let calls = 0;
  const d1 = {
    prepare: (query: string) => env.DB.prepare(query),
    batch: async (statements: D1PreparedStatement[]) => {
      calls++;
      const fault = faults.shift() ?? 'ok';
      if (fault === 'overloaded' || fault === 'reset') throw new Error(MESSAGES[fault]);
      const results = await env.DB.batch(statements);
      if (fault === 'lost-after-commit') throw new Error(MESSAGES[fault]);
      return results;
    },
  } as unknown as D1Database;
  return { d1, calls: () => calls };
}
