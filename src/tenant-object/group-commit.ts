/**
 * Group commit for the tenant object's writes. A D1 call costs a round trip whatever it carries,
 * so batches handed in within one turn of the event loop, or while another group is being
 * written, wait and then go to D1 together as one batch
 * (one transaction, one round trip). If that combined batch fails — one write's unique index or
 * version guard — each write's batch is retried alone, in order, so every write gets its own
 * outcome and no write sees another's failure. A transient D1 failure (overload, lost connection,
 * storage reset: src/common/d1-failures.ts) instead retries the same batch whole, a few times with
 * backoff, never fanned out into its writes; past that every write of the group gets D1Unavailable. A combined batch merges the writes' side statements
 * (page buckets, audit rows; src/tenant-object/combined-batch.ts); a write retried alone runs
 * its own. Reads wait until every batch handed in before them
 * is written (read-your-writes), so "read → decide → write" stays serial per tenant.
 */

import type { D1Statements } from '../db/client.ts';
import type { StatementTags } from '../db/compiled-statement.ts';
import type { CopyRow } from '../db/row-json.ts';
import { D1Unavailable, mayHaveCommittedBefore, withTransientRetry, type AfterTransientFailure } from '../common/d1-failures.ts';
import { combine, type BatchPart } from './combined-batch.ts';

/** The most writes one combined batch carries (D1 counts each statement against per-call limits). */
const MAX_WRITES_PER_GROUP = 32;
/**
 * How long a flush lingers while writes keep arriving: each turn of the event loop lets requests
 * already received hand in their writes. Larger groups mean fewer calls to D1, which every tenant
 * shares; the cost is a few turns of latency, and only while writes keep coming. Measured in
 * bench/README.md ("Group commit lingers").
 */
const LINGER_TURNS = 3;
/** A group this large flushes without lingering more. */
const LINGER_UNTIL = 16;

/**
 * A statement to put in front of the next batch handed in (the token guard), and whether it was.
 * Guards of one `key` check the same thing: a combined batch carries only the last handed in.
 */
export interface BatchGuard {
  statement: D1PreparedStatement;
  key: string;
  used: boolean;
}

/**
 * Statements every batch ends with, inside its transaction, and what to do with their results
 * once D1 has committed it (the serving copy: src/tenant-object/serving-copy.ts).
 */
export interface BatchTail {
  /** The statements to end a batch with; undefined for none. */
  tail(): D1PreparedStatement[] | undefined;
  /** Takes the tail's results and the rows the batch's own statements returned for the copy, in batch order. */
  applyTail(results: D1Result[], returned: CopyRow[]): void;
  /** A batch failed in a way that may have committed: what it changed is not known. */
  invalidate(): void;
}

interface PendingBatch {
  guard: BatchGuard | undefined;
  statements: BatchPart[];
  resolve(results: D1Result[]): void;
  reject(error: unknown): void;
}

/** A batch's statements as sent alone (its guard first), and where those returning rows for the copy are. */
function alone(g: PendingBatch): { statements: D1PreparedStatement[]; copyRowsAt: number[] } {
  const statements = g.statements.map((s) => s.inner);
  const offset = g.guard ? 1 : 0;
  return {
    statements: g.guard ? [g.guard.statement, ...statements] : statements,
    copyRowsAt: g.statements.flatMap((s, i) => (s.copyRows ? [i + offset] : [])),
  };
}

/** A D1 statement whose direct execution first waits for the pending group commits. */
class BarrierStatement implements BatchPart, D1PreparedStatement {
  readonly inner: D1PreparedStatement;
  readonly merge: BatchPart['merge'];
  readonly copyRows: BatchPart['copyRows'];
  readonly #owner: GroupCommitD1;

  constructor(inner: D1PreparedStatement, owner: GroupCommitD1, tags: StatementTags = {}) {
    this.inner = inner;
    this.#owner = owner;
    this.merge = tags.merge;
    this.copyRows = tags.copyRows;
  }

  bind(...values: unknown[]): BarrierStatement {
    return new BarrierStatement(this.inner.bind(...values), this.#owner);
  }

  /** This statement with `tags`: a merge a combined batch may make with the same statement of other writes, rows for the copy. */
  tagged(tags: StatementTags): BarrierStatement {
    return new BarrierStatement(this.inner, this.#owner, tags);
  }

  first<T = unknown>(column: string): Promise<T | null>;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  async first<T>(column?: string): Promise<T | null> {
    await this.#owner.settled();
    return column === undefined ? this.inner.first<T>() : this.inner.first<T>(column);
  }

  async all<T>(): Promise<D1Result<T>> {
    await this.#owner.settled();
    return this.inner.all<T>();
  }

  async run<T>(): Promise<D1Result<T>> {
    await this.#owner.settled();
    return this.inner.run<T>();
  }

  raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
  raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
  async raw<T>(options?: { columnNames?: boolean }): Promise<T[] | [string[], ...T[]]> {
    await this.#owner.settled();
    return options?.columnNames ? this.inner.raw<T>({ columnNames: true }) : this.inner.raw<T>();
  }
}

/** One of ours: a write's batch takes only statements this binding prepared. */
function barrierOf(statement: D1PreparedStatement): BarrierStatement {
  if (!(statement instanceof BarrierStatement)) throw new Error('a group-committed batch takes only statements the group-commit binding prepared');
  return statement;
}

/**
 * The D1 surface drizzle uses (`prepare`, `batch`) over the real binding, with group commit.
 * `onBatchHandedIn` runs when a write hands in its batch: the write queue lets the next write start.
 */
export class GroupCommitD1 implements D1Statements {
  readonly #d1: D1Database;
  readonly #onBatchHandedIn: () => void;
  readonly #tail: BatchTail | undefined;
  #pending: PendingBatch[] = [];
  /** Batches handed in, and batches written (or failed), since the object started: in order, so a count is a position. */
  #handedIn = 0;
  #written = 0;
  #inFlight: Promise<void> | undefined;
  #nextGuard: BatchGuard | undefined;
  #flushScheduled = false;

  constructor(d1: D1Database, onBatchHandedIn: () => void, tail?: BatchTail) {
    this.#d1 = d1;
    this.#onBatchHandedIn = onBatchHandedIn;
    this.#tail = tail;
  }

  prepare(query: string): BarrierStatement {
    return new BarrierStatement(this.#d1.prepare(query), this);
  }

  /**
   * Puts `statement` in front of the next batch handed in — the running write's, since writes run
   * one at a time until they hand in their batch. It shares that batch's fate: if it raises, the
   * write rolls back. Its result is not among the batch's results.
   */
  guardNextBatch(statement: D1PreparedStatement, key: string): BatchGuard {
    this.#nextGuard = { statement, key, used: false };
    return this.#nextGuard;
  }

  /** Drops `guard` if no batch took it (the write ended without one). */
  clearGuard(guard: BatchGuard): void {
    if (this.#nextGuard === guard) this.#nextGuard = undefined;
  }

  /** Hands a write's batch to the next group commit; resolves with its own statements' results. */
  async batch<T = unknown>(handedIn: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    const statements = handedIn.map(barrierOf);
    const guard = this.#nextGuard;
    this.#nextGuard = undefined;
    if (guard) guard.used = true;
    this.#handedIn++;
    const result = new Promise<D1Result[]>((resolve, reject) => this.#pending.push({ guard, statements, resolve, reject }));
    this.#onBatchHandedIn();
    this.#scheduleFlush();
    return result as Promise<D1Result<T>[]>;
  }

  /**
   * Resolves once every batch handed in so far is written (or has failed). Batches handed in
   * after the call are not waited for, so a steady stream of writes never holds a read back.
   */
  async settled(): Promise<void> {
    const target = this.#handedIn;
    while (this.#written < target) {
      this.#flush();
      await this.#inFlight;
    }
  }

  /** Starts writing the pending batches unless a group is already on its way (one at a time keeps commit order). */
  #flush(): void {
    if (this.#inFlight || this.#pending.length === 0) return;
    const group = this.#pending.splice(0, MAX_WRITES_PER_GROUP);
    this.#inFlight = this.#write(group).finally(() => {
      this.#written += group.length;
      this.#inFlight = undefined;
      this.#scheduleFlush();
    });
  }

  /**
   * Flushes on a later turn of the event loop, so writes whose requests already arrived join the
   * group: one turn, and up to LINGER_TURNS more while each turn brings more writes and the group
   * is below LINGER_UNTIL. A read does not wait for it (`settled` flushes at once).
   */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    let seen = this.#pending.length;
    let turns = 0;
    const turn = () => {
      if (this.#pending.length > seen && turns < LINGER_TURNS && this.#pending.length < LINGER_UNTIL) {
        seen = this.#pending.length;
        turns++;
        setTimeout(turn, 0);
        return;
      }
      this.#flushScheduled = false;
      this.#flush();
    };
    setTimeout(turn, 0);
  }

  async #write(group: PendingBatch[]): Promise<void> {
    // Whether the combined batch failed transiently before it failed for good: it may have committed with its reply lost.
    let afterTransient = false;
    if (group.length > 1) {
      // One transaction: a guard anywhere in it vouches for every write, so each distinct check runs
      // once, as the last write handed in built it (the latest time an expiry is checked against).
      const guards = new Map<string, D1PreparedStatement>();
      for (const g of group) if (g.guard) guards.set(g.guard.key, g.guard.statement);
      try {
        const combined = combine(this.#d1, guards.values(), group.map((g) => g.statements));
        const results = combined.resultsOf(await this.#withTail(combined.statements, combined.copyRowsAt));
        group.forEach((g, i) => g.resolve(results[i]!));
        return;
      } catch (err) {
        if (err instanceof D1Unavailable) {
          for (const g of group) g.reject(err);
          return;
        }
        // One write failed and D1 rolled the whole group back: retry each alone, in order. After a
        // transient failure the group may have committed with its reply lost: each alone says so.
        afterTransient = mayHaveCommittedBefore(err);
      }
    }
    for (const g of group) {
      try {
        const { statements, copyRowsAt } = alone(g);
        const results = await this.#withTail(statements, copyRowsAt);
        g.resolve(g.guard ? results.slice(1) : results);
      } catch (err) {
        if (afterTransient && typeof err === 'object' && err !== null) (err as AfterTransientFailure).afterTransientFailure = true;
        g.reject(err);
      }
    }
  }

  /**
   * Sends `statements` with the tail, hands the tail its results once committed (with the rows of
   * the statements at `copyRowsAt`), and answers the rest.
   */
  async #withTail(statements: D1PreparedStatement[], copyRowsAt: readonly number[]): Promise<D1Result[]> {
    const tail = this.#tail?.tail() ?? [];
    const results = await withTransientRetry(() => this.#d1.batch([...statements, ...tail])).catch((err: unknown) => {
      if (err instanceof D1Unavailable || mayHaveCommittedBefore(err)) this.#tail?.invalidate();
      throw err;
    });
    if (tail.length === 0) return results;
    this.#tail!.applyTail(
      results.slice(statements.length),
      copyRowsAt.flatMap((i) => (results[i]!.results ?? []) as CopyRow[]),
    );
    return results.slice(0, statements.length);
  }
}
