/**
 * Deletes that may touch many rows, done a chunk per statement: each statement is short, so the
 * tenant objects' writes never wait long behind it and no statement meets D1's per-query time limit.
 */
import type { SQL } from 'drizzle-orm';
import type { Database } from './client.ts';

/** Rows deleted per statement. */
export const DELETE_CHUNK = 1000;

/**
 * Runs `chunk(limit)` — a DELETE of at most `limit` rows — until one deletes fewer than `limit`
 * or `maxChunks` ran (the rest waits for the next run); returns how many rows went.
 */
export async function deleteInChunks(db: Database, chunk: (limit: number) => SQL, maxChunks: number): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < maxChunks; i++) {
    const changes = (await db.run(chunk(DELETE_CHUNK))).meta.changes ?? 0;
    deleted += changes;
    if (changes < DELETE_CHUNK) break;
  }
  return deleted;
}
