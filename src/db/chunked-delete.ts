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
 * Runs `chunk(limit)` — a DELETE of at most `limit` rows, without RETURNING — until one deletes fewer than `limit`
 * or `maxChunks` ran (the rest waits for the next run).
 */
export async function deleteInChunks(db: Database, chunk: (limit: number) => SQL, maxChunks: number): Promise<ChunkedDeletion> {
  let deleted = 0;
  for (let chunks = 1; chunks <= maxChunks; chunks++) {
    // Counted by RETURNING, not D1's `changes`, which also counts the rows a foreign-key cascade deleted.
    const changes = (await db.all(sql`${chunk(DELETE_CHUNK)} RETURNING 1`)).length;
    deleted += changes;
    if (changes < DELETE_CHUNK) return { deleted, chunks, finished: true };
  }
  return { deleted, chunks: Math.max(maxChunks, 0), finished: false };
}
