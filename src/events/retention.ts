/**
 * Retention of the change log: events older than the deployment's retention are deleted by the
 * hourly scheduled job, a chunk per statement so no write waits long behind it. A tenant's newest
 * event is always kept, so its next seq and the oldest kept seq (for 410 on a stale cursor) stay known.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { directoryEvents } from '../db/schema.ts';

/** Rows deleted per statement, and statements per run. */
const CHUNK = 1000;
const MAX_CHUNKS = 200;

const E = directoryEvents;

/** Deletes events that occurred before `cutoff` (ISO time), except each tenant's newest; returns how many. */
export async function pruneEvents(db: Database, cutoff: string): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < MAX_CHUNKS; i++) {
    const result = await db.run(
      sql`DELETE FROM ${E} WHERE rowid IN (
        SELECT "old".rowid FROM ${E} AS "old" WHERE "old"."occurred_at" < ${cutoff}
          AND "old"."seq" < (SELECT max("newest"."seq") FROM ${E} AS "newest" WHERE "newest"."tenant_id" = "old"."tenant_id")
        LIMIT ${CHUNK})`,
    );
    const changes = result.meta.changes ?? 0;
    deleted += changes;
    if (changes < CHUNK) break;
  }
  return deleted;
}

/** The cutoff for a retention of `days` days at `nowMs`. */
export function retentionCutoff(days: number, nowMs = Date.now()): string {
  return new Date(nowMs - days * 86_400_000).toISOString();
}
