/**
 * Optimistic versioning (RFC 7644 §3.14): every update is `WHERE version = ?`, and the batch's
 * guard statement aborts the whole D1 batch (a transaction) when that update matched no row, so
 * two overlapping writers can never lose an update even if the tenant object's queue were bypassed.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { ScimError } from '../../http/errors.ts';
import { checkIfMatch } from '../model/etag.ts';
import type { RowMemory } from './row-memory.ts';
import { compileStatement, type CompiledRun } from '../../db/compiled-statement.ts';

const ABORT_UNLESS_CHANGED = sql`SELECT json('version conflict') WHERE changes() = 0`;

/** `json()` of a non-JSON text raises an error, which rolls the batch back; it runs only when the previous statement changed nothing. */
export function abortUnlessChanged(db: Database) {
  return db.run(ABORT_UNLESS_CHANGED);
}

/** `abortUnlessChanged` compiled, for a batch of compiled statements. */
export const versionGuard: CompiledRun = { statement: compileStatement(ABORT_UNLESS_CHANGED), values: {} };

/** Whether a D1 error came from `abortUnlessChanged`. */
export function isVersionConflict(err: unknown): boolean {
  return err instanceof Error && /malformed JSON/.test(err.message + String((err as { cause?: unknown }).cause ?? ''));
}

/**
 * The row a write of resource `id` starts from: the tenant object's memory (once a write of it still
 * committing has settled) or D1; 404 when the tenant has no such resource, 412 when If-Match names
 * another version. Users and groups alike.
 */
export async function currentRow<Row extends { id: string; tenantId: string; version: number }>(
  memory: RowMemory<Row> | undefined,
  tenantId: string,
  id: string,
  ifMatch: string | undefined,
  find: () => Promise<Row | undefined>,
  notFound: (id: string) => ScimError,
): Promise<Row> {
  await memory?.settling(id);
  const current = memory?.get(id) ?? (await find());
  if (!current || current.tenantId !== tenantId) throw notFound(id);
  memory?.set(current);
  checkIfMatch(ifMatch, current.version);
  return current;
}

/**
 * Hands back `commit` after marking resource `id` as being written by it: the row this write put in
 * (or took out of) memory is only a guess until D1 commits, so the next write of the same resource
 * waits for the commit (`currentRow`) instead of deciding — "no change", 404 — on a row that may
 * never exist (the batch refused for a revoked token, a constraint, or D1 failing).
 */
export function settledBeforeReuse<T>(memory: RowMemory<{ id: string }> | undefined, id: string, commit: Promise<T>): Promise<T> {
  // A refused commit drops its guess before anyone waiting on it reads memory again.
  const settled = commit.catch((err: unknown) => {
    memory?.delete(id);
    throw err;
  });
  memory?.writing(id, settled);
  return settled;
}
