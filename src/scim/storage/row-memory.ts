/**
 * What a write may remember of the rows it reads and decides, filled by the tenant object (its
 * single writer, src/tenant-object/row-cache.ts). Absent outside the object: writes then read D1.
 */
export interface RowMemory<Row extends { id: string }> {
  get(id: string): Row | undefined;
  set(row: Row): void;
  delete(id: string): void;
  /** Row `id` is being written by `write`, whose commit decides its next state: wait for it before deciding on it. */
  writing(id: string, write: Promise<unknown>): void;
  /** Rows `ids` change with `write` without it deciding their next state: forgotten, and waited for until it settles. */
  forgetWhile(ids: readonly string[], write: Promise<unknown>): void;
  /** Every row may change with `write` (rows it cannot name): all forgotten, and waited for until it settles. */
  forgetAll(write: Promise<unknown>): void;
  /** The pending write of row `id` to wait for before deciding on it, if any. */
  settling(id: string): Promise<void> | undefined;
}
