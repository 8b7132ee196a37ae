/**
 * The tenant object's memory of users and groups it has read or written. Being the tenant's only
 * writer, it knows their state without asking D1: a write starts from the remembered row instead
 * of reading it, and the row's version guard in the write's batch stays the backstop (a stale row
 * makes the batch abort; the failed write's row is forgotten). A write puts the row it decided on
 * here before its batch commits, so a later write of the same resource in the same group commit
 * builds on it.
 */
import { BoundedMap } from '../common/bounded-map.ts';

/** Rows remembered per kind; beyond, the least recently used is forgotten. */
const MAX_ROWS = 5000;

/**
 * A least-recently-used map of rows by id. Rows are shared, not copied: writes build new rows
 * (`{ ...current, … }`) and the PATCH engine never touches its input.
 */
export class RowCache<Row extends { id: string }> {
  readonly #rows = new BoundedMap<string, Row>(MAX_ROWS);

  get(id: string): Row | undefined {
    const row = this.#rows.get(id);
    if (!row) return undefined;
    this.#rows.delete(id);
    this.#rows.set(id, row);
    return row;
  }

  set(row: Row): void {
    // Deleted first, so the row counts as the most recently used one.
    this.#rows.delete(row.id);
    this.#rows.set(row.id, row);
  }

  delete(id: string): void {
    this.#rows.delete(id);
  }

  /**
   * Marks the row `id` as being written by `write`, whose commit decides its next state (a write
   * that may turn out a no-op): until it settles, `settling(id)` hands out a promise to wait on.
   */
  writing(id: string, write: Promise<unknown>): void {
    const settled = write.then(ignore, ignore);
    this.#settling.set(id, settled);
    void settled.then(() => {
      if (this.#settling.get(id) === settled) this.#settling.delete(id);
    });
  }

  /**
   * Forgets rows `ids`, which `write` changes without deciding their next state here (a membership
   * or a group's name moves their version): until it settles, they are to be waited for.
   */
  forgetWhile(ids: readonly string[], write: Promise<unknown>): void {
    for (const id of ids) {
      this.#rows.delete(id);
      this.writing(id, write);
    }
  }

  /**
   * Forgets every row, for a write that changes rows it cannot name (a group's members, moved by a
   * rename or delete of the group): until `write` settles, every row is to be waited for.
   */
  forgetAll(write: Promise<unknown>): void {
    this.#rows.clear();
    const settled = write.then(ignore, ignore);
    this.#all = settled;
    void settled.then(() => {
      if (this.#all === settled) this.#all = undefined;
    });
  }

  /** The pending write of row `id` to wait for before deciding on it, if any. */
  settling(id: string): Promise<void> | undefined {
    return this.#settling.get(id) ?? this.#all;
  }

  readonly #settling = new Map<string, Promise<void>>();
  #all: Promise<void> | undefined;
}

const ignore = () => undefined;
