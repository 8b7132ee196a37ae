/**
 * Deletes that may touch many rows, done a chunk per statement: each statement is short, so the
 * tenant objects' writes never wait long behind it and no statement meets D1's per-query time limit.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from './client.ts';

/** Rows deleted per statement. */
export const DELETE_CHUNK = 1000;

/** What a run of chunks did: rows deleted, statements run, and whether the last one found fewer than a chunk (nothing left). */
export interface ChunkedDeletion {
  deleted: number;
  chunks: number;
  finished: boolean;
}

/**
 * Runs `chunk(limit, from)` — a DELETE of at most `limit` rows, without RETURNING — until one
 * deletes fewer than `limit` or `maxChunks` ran (the rest waits for the next run). With
 * `resumeBy` (an expression of the deleted rows, such as their tenant), `from` is the highest value
 * of it that the chunk before deleted (at first, and without `resumeBy`, the empty string), so a chunk can start where the one before stopped instead
 * of walking again past what is done; values are compared as strings (our ids are ASCII).
 */
export async function deleteInChunks(db: Database, chunk: (limit: number, from: string) => SQL, maxChunks: number, resumeBy?: SQL): Promise<ChunkedDeletion> {
  let deleted = 0;
  let from = '';
  for (let chunks = 1; chunks <= maxChunks; chunks++) {
    // Counted by RETURNING, not D1's `changes`, which also counts the rows a foreign-key cascade deleted.
    const rows = await db.all<{ key: unknown }>(sql`${chunk(DELETE_CHUNK, from)} RETURNING ${resumeBy ?? sql`1`} AS "key"`);
    deleted += rows.length;
    if (rows.length < DELETE_CHUNK) return { deleted, chunks, finished: true };
    if (resumeBy) from = rows.reduce((max, row) => (String(row.key) > max ? String(row.key) : max), from);
  }
  return { deleted, chunks: Math.max(maxChunks, 0), finished: false };
}
