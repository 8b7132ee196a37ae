/**
 * A request's D1 binding whose first call carries the token guard (src/scim/auth/token-guard.ts) in the
 * same batch, so checking a cached token costs no round trip of its own. Until the guard has
 * passed, no call returns data: later calls wait for it. If it refuses, `onRefused` decides
 * (throws the precise 401/403, or finds the token fine after all) before anything is returned.
 */
import type { D1Statements } from '../../db/client.ts';
import { isTokenRefused } from './token-guard.ts';

/** A call's answer: from the batch that carried the guard, or from running the statement itself. */
type Answer<T> = { batched: D1Result[] } | { direct: T };

type Row = Record<string, unknown>;

/** A statement of the guarded binding; executing it goes through the guard's first-call logic. */
class GuardedStatement implements D1PreparedStatement {
  readonly inner: D1PreparedStatement;
  readonly #owner: FirstCallGuardD1;
  readonly #query: string;

  constructor(inner: D1PreparedStatement, owner: FirstCallGuardD1, query: string) {
    this.inner = inner;
    this.#owner = owner;
    this.#query = query;
  }

  bind(...values: unknown[]): GuardedStatement {
    return new GuardedStatement(this.inner.bind(...values), this.#owner, this.#query);
  }

  async all<T>(): Promise<D1Result<T>> {
    const answer = await this.#owner.execute([this.inner], () => this.inner.all<T>());
    return 'direct' in answer ? answer.direct : (answer.batched[0] as D1Result<T>);
  }

  async run<T>(): Promise<D1Result<T>> {
    const answer = await this.#owner.execute([this.inner], () => this.inner.run<T>());
    return 'direct' in answer ? answer.direct : (answer.batched[0] as D1Result<T>);
  }

  first<T = unknown>(column: string): Promise<T | null>;
  first<T = Row>(): Promise<T | null>;
  async first<T>(column?: string): Promise<T | null> {
    const answer = await this.#owner.execute([this.inner], () => this.inner.first<Row>());
    const row = 'direct' in answer ? answer.direct : ((answer.batched[0]?.results[0] as Row | undefined) ?? null);
    return (row === null ? null : column === undefined ? row : (row[column] ?? null)) as T | null;
  }

  raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
  raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
  async raw<T>(options?: { columnNames?: boolean }): Promise<T[] | [string[], ...T[]]> {
    const withNames = () => this.inner.raw<T>({ columnNames: true });
    // A batch answers rows as objects; a join may repeat a column name, which objects cannot keep,
    // so such a statement runs on its own once the guard has passed instead of inside its batch.
    const answer = /\bjoin\b/i.test(this.#query) ? { direct: await this.#owner.afterGuard(withNames) } : await this.#owner.execute([this.inner], withNames);
    let columns: string[];
    let rows: T[];
    if ('direct' in answer) [columns = [], ...rows] = answer.direct;
    else {
      const objects = (answer.batched[0]?.results ?? []) as Row[];
      columns = objects[0] ? Object.keys(objects[0]) : [];
      rows = objects.map((o) => Object.values(o) as T);
    }
    return options?.columnNames ? [columns, ...rows] : rows;
  }
}

/** The binding's statement behind one of ours: a batch takes only statements this binding prepared. */
function innerOf(statement: D1PreparedStatement): D1PreparedStatement {
  if (!(statement instanceof GuardedStatement)) throw new Error('a guarded batch takes only statements the guarded binding prepared');
  return statement.inner;
}

/** The D1 surface drizzle uses (`prepare`, `batch`), with the guard on the first call. */
export class FirstCallGuardD1 implements D1Statements {
  readonly #d1: D1Database;
  readonly #guard: () => D1PreparedStatement;
  readonly #onRefused: () => Promise<void>;
  /** The call carrying the guard, while it is on its way. */
  #checking: Promise<unknown> | undefined;
  #passed = false;
  #refusal: unknown;

  constructor(d1: D1Database, guard: () => D1PreparedStatement, onRefused: () => Promise<void>) {
    this.#d1 = d1;
    this.#guard = guard;
    this.#onRefused = onRefused;
  }

  /** Whether the token has been checked against D1 in this request. */
  get passed(): boolean {
    return this.#passed;
  }

  /** Marks the token checked by someone else (the tenant object, in a write's batch). */
  markPassed(): void {
    this.#passed = true;
  }

  prepare(query: string): GuardedStatement {
    return new GuardedStatement(this.#d1.prepare(query), this, query);
  }

  async batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    const inner = statements.map(innerOf);
    const answer = await this.execute(inner, () => this.#d1.batch<T>(inner));
    return 'direct' in answer ? answer.direct : (answer.batched as D1Result<T>[]);
  }

  /** Runs `direct` once the guard has passed, running the guard alone if no call carries it. */
  async afterGuard<T>(direct: () => Promise<T>): Promise<T> {
    const answer = await this.execute([], direct);
    return 'direct' in answer ? answer.direct : direct();
  }

  /**
   * The first call sends the guard and `statements` as one batch (answering their results);
   * any other call waits until the guard has passed and runs `direct`.
   */
  async execute<T>(statements: D1PreparedStatement[], direct: () => Promise<T>): Promise<Answer<T>> {
    while (!this.#passed) {
      if (this.#refusal !== undefined) throw this.#refusal;
      if (!this.#checking) {
        const carried = this.#carry(statements);
        this.#checking = carried.catch(() => undefined);
        const results = await carried.finally(() => (this.#checking = undefined));
        if (results) return { batched: results };
        // Refused, then found fine by `onRefused`: run the statements themselves.
        break;
      }
      await this.#checking;
    }
    return { direct: await direct() };
  }

  /** Sends the guard with `statements`; undefined when the guard refused and `onRefused` let the request on. */
  async #carry(statements: D1PreparedStatement[]): Promise<D1Result[] | undefined> {
    try {
      const results = await this.#d1.batch([this.#guard(), ...statements]);
      this.#passed = true;
      return results.slice(1);
    } catch (err) {
      if (!isTokenRefused(err)) throw err;
    }
    try {
      await this.#onRefused();
    } catch (refusal) {
      this.#refusal = refusal;
      throw refusal;
    }
    this.#passed = true;
    return undefined;
  }
}
