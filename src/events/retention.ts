/**
 * Retention of the change log: events older than the deployment's retention are deleted by the
 * hourly scheduled job in chunks (src/db/chunked-delete.ts), from each tenant's oldest `seq` up to
 * its first event that is not past retention. A tenant's newest event is always kept, so its next
 * seq and the oldest kept seq (for 410 on a stale cursor) stay known.
 */
import { sql } from 'drizzle-orm';
import { deleteInChunks } from '../db/chunked-delete.ts';
import type { Database } from '../db/client.ts';
import { directoryEvents, tenants } from '../db/schema.ts';

/** Statements per run: an hourly run deletes up to 200,000 events. */
const MAX_CHUNKS = 200;

const E = directoryEvents;

/**
 * Deletes each tenant's events before its first one that occurred at or after `cutoff` (ISO time),
 * never its newest; returns how many. By `seq`, along the primary key: a chunk reads the rows it
 * deletes and one more per tenant. An old event behind a newer one (two instances' clocks) waits
 * for that one to age.
 */
export async function pruneEvents(db: Database, cutoff: string): Promise<number> {
  const { deleted } = await deleteInChunks(
    db,
    (limit) =>
      sql`DELETE FROM ${E} WHERE (${E.tenantId}, ${E.seq}) IN (
        SELECT "old"."tenant_id", "old"."seq" FROM ${tenants} AS "t" JOIN ${E} AS "old" ON "old"."tenant_id" = "t"."id"
          WHERE "old"."seq" < coalesce(
            (SELECT "kept"."seq" FROM ${E} AS "kept" WHERE "kept"."tenant_id" = "t"."id" AND "kept"."occurred_at" >= ${cutoff} ORDER BY "kept"."seq" LIMIT 1),
            (SELECT max("newest"."seq") FROM ${E} AS "newest" WHERE "newest"."tenant_id" = "t"."id"))
        LIMIT ${limit})`,
    MAX_CHUNKS,
  );
  return deleted;
}

/** The cutoff for a retention of `days` days at `nowMs`. */
export function retentionCutoff(days: number, nowMs = Date.now()): string {
  return new Date(nowMs - days * 86_400_000).toISOString();
}
