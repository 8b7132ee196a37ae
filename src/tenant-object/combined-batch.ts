/**
 * The statements of one combined batch (src/tenant-object/group-commit.ts): each distinct token guard
 * once, then every write's own statements in the order the writes were handed in, then one run per
 * merge key standing for that statement of every write carrying it — the creates' user rows and
 * their emails, one page-bucket upsert (with the tenants' quota checks), one multi-row audit
 * insert — instead of one each per write.
 * Merged runs go last, so every write's own statements run in the order they would alone; the
 * batch is one transaction, so a merged run counts exactly the writes that commit with it.
 */
import { prepareRun, type MergeRule, type StatementTags } from '../db/compiled-statement.ts';

/** One statement of a write's batch: as sent alone, the merge it may join in a combined batch, whether its rows are for the copy (never merged). */
export interface BatchPart extends StatementTags {
  inner: D1PreparedStatement;
}

interface Merged {
  rule: MergeRule;
  values: Record<string, unknown>[];
  /** The statement of the first write carrying it: sent as is when no other write does. */
  first: D1PreparedStatement;
  index: number;
}

/** A combined batch's statements, and how to hand each write the results of its own statements. */
export interface CombinedBatch {
  statements: D1PreparedStatement[];
  /** Where the statements returning rows for the serving copy are, in batch order. */
  copyRowsAt: number[];
  /** Each write's results, one per statement it handed in; a merged statement's position gets the merged run's. */
  resultsOf(results: readonly D1Result[]): D1Result[][];
}

/** Lays out the combined batch of `writes` (each write's parts) behind `guards`. */
export function combine(d1: D1Database, guards: Iterable<D1PreparedStatement>, writes: readonly (readonly BatchPart[])[]): CombinedBatch {
  const statements = [...guards];
  const merges = new Map<string, Merged>();
  const copyRowsAt: number[] = [];
  const positions = writes.map((parts) =>
    parts.map((part): number | Merged => {
      if (!part.merge) {
        const at = statements.push(part.inner) - 1;
        if (part.copyRows) copyRowsAt.push(at);
        return at;
      }
      const { rule, values } = part.merge;
      let merged = merges.get(rule.key);
      if (!merged) merges.set(rule.key, (merged = { rule, values: [], first: part.inner, index: -1 }));
      merged.values.push(values);
      return merged;
    }),
  );
  for (const merged of merges.values()) {
    merged.index = statements.push(merged.values.length === 1 ? merged.first : prepareRun(d1, merged.rule.merge(merged.values))) - 1;
  }
  return {
    statements,
    copyRowsAt,
    resultsOf: (results) => positions.map((write) => write.map((at) => results[typeof at === 'number' ? at : at.index]!)),
  };
}
