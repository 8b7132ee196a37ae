/**
 * Retention of the change log: events older than the deployment's retention are deleted by the
 * hourly scheduled job in chunks (src/db/chunked-delete.ts). A tenant's newest
 * event is always kept, so its next seq and the oldest kept seq (for 410 on a stale cursor) stay known.
 */
import { sql } from 'drizzle-orm';
import { deleteInChunks } from '../db/chunked-delete.ts';
import type { Database } from '../db/client.ts';
import { directoryEvents } from '../db/schema.ts';

/** Statements per run: an hourly run deletes up to 200,000 events. */
const MAX_CHUNKS = 200;

const E = directoryEvents;

/** Deletes events that occurred before `cutoff` (ISO time), except each tenant's newest; returns how many. */
export async function pruneEvents(db: Database, cutoff: string): Promise<number> {
  const { deleted } = await deleteInChunks(
    db,
    (limit) =>
      sql`DELETE FROM ${E} WHERE rowid IN (
        SELECT "old".rowid FROM ${E} AS "old" WHERE "old"."occurred_at" < ${cutoff}
          AND "old"."seq" < (SELECT max("newest"."seq") FROM ${E} AS "newest" WHERE "newest"."tenant_id" = "old"."tenant_id")
        LIMIT ${limit})`,
    MAX_CHUNKS,
  );
  return deleted;
}

/** The cutoff for a retention of `days` days at `nowMs`. */
export function retentionCutoff(days: number, nowMs = Date.now()): string {
  return new Date(nowMs - days * 86_400_000).toISOString();
}
