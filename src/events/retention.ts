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
 * never its newest; returns how many. An old event behind a newer one (two instances' clocks)
 * waits for that one to age. By `seq`, along the primary key, a chunk at a time, each going on
 * from the tenant the chunk before stopped at. A tenant's events are numbered without a gap and
 * pruned from the oldest, so its next `limit` events are the `seq`s from its oldest kept on: the
 * first of them not past retention is looked for among those only, once per tenant (the
 * subquery "bound", which SQLite runs as a co-routine, not flattened into the join, for its
 * LIMIT). Looked for per event and from the oldest, as before 2026-12-04, a tenant with 5,000
 * old events read 15,000,000 rows to prune them; now it reads each about twice.
 */
export async function pruneEvents(db: Database, cutoff: string): Promise<number> {
  const { deleted } = await deleteInChunks(
    db,
    (limit, from) => {
      const oldest = sql`(SELECT min("o"."seq") FROM ${E} AS "o" WHERE "o"."tenant_id" = "t"."id")`;
      const newest = sql`(SELECT max("n"."seq") FROM ${E} AS "n" WHERE "n"."tenant_id" = "t"."id")`;
      const firstKept = sql`(SELECT "k"."seq" FROM ${E} AS "k" WHERE "k"."tenant_id" = "t"."id" AND "k"."seq" >= ${oldest} AND "k"."seq" < ${oldest} + ${limit} AND "k"."occurred_at" >= ${cutoff} ORDER BY "k"."seq" LIMIT 1)`;
      return sql`DELETE FROM ${E} WHERE (${E.tenantId}, ${E.seq}) IN (
        SELECT "old"."tenant_id", "old"."seq" FROM (
          SELECT "t"."id" AS "tenant_id", coalesce(${firstKept}, min(${oldest} + ${limit}, ${newest})) AS "bound"
            FROM ${tenants} AS "t" WHERE "t"."id" >= ${from} ORDER BY "t"."id" LIMIT -1
        ) AS "bound" CROSS JOIN ${E} AS "old" ON "old"."tenant_id" = "bound"."tenant_id" AND "old"."seq" < "bound"."bound"
        LIMIT ${limit})`;
    },
    MAX_CHUNKS,
    sql`${E.tenantId}`,
  );
  return deleted;
}

/** The cutoff for a retention of `days` days at `nowMs`. */
export function retentionCutoff(days: number, nowMs = Date.now()): string {
  return new Date(nowMs - days * 86_400_000).toISOString();
}
