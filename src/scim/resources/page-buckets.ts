/**
 * Square-root paging for the default (`seq`) order: `page_buckets` counts a tenant's users and
 * groups per 1,024 seqs, kept exact in the same D1 batch as every create and delete. A page whose
 * start no isolate remembers finds its bucket by a running sum over those counts and skips fewer
 * than 1,024 rows inside it, so page 1,000 costs what page 1 costs (no OFFSET scan of the tenant).
 */
import { and, eq, sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { pageBuckets, type groups, type users } from '../../db/schema.ts';

/** log2 of the seqs per bucket. */
export const BUCKET_BITS = 10;

type ResourceTable = typeof users | typeof groups;
/** The `resource_type` of a bucket row. */
export type BucketResource = 'User' | 'Group';

const bits = sql.raw(String(BUCKET_BITS));

/** Counts the row `id` in its bucket; goes after the row's INSERT in the same batch (the insert assigns `seq`). */
export function countCreated(db: Database, table: ResourceTable, resourceType: BucketResource, id: string | Placeholder) {
  return db
    .insert(pageBuckets)
    .select(sql`SELECT ${table.tenantId}, ${resourceType}, ${table.seq} >> ${bits}, 1 FROM ${table} WHERE ${table.id} = ${id}`)
    .onConflictDoUpdate({ target: [pageBuckets.tenantId, pageBuckets.resourceType, pageBuckets.bucket], set: { count: sql`${pageBuckets.count} + 1` } });
}

/** The bucket a row of `seq` is counted in. */
export function bucketOf(seq: number): number {
  return Math.floor(seq / 2 ** BUCKET_BITS);
}

/** Uncounts a deleted row of `bucketOf(seq)`; goes in the same batch as its (guarded) DELETE. */
export function countDeleted(db: Database, tenantId: string | Placeholder, resourceType: BucketResource, bucket: number | Placeholder) {
  return db
    .update(pageBuckets)
    .set({ count: sql`${pageBuckets.count} - 1` })
    .where(and(eq(pageBuckets.tenantId, tenantId), eq(pageBuckets.resourceType, resourceType), eq(pageBuckets.bucket, bucket)));
}

/**
 * `seq IN (…)` holding rows `startIndex … startIndex+count-1` (1-based) of the tenant's resources
 * in `seq` order: the first bucket whose running sum reaches `startIndex`, then an OFFSET of
 * fewer than 1,024 within it along the `(tenant_id, seq)` index. One statement, no round trip of
 * its own. Only for unfiltered lists: buckets count every row of the tenant.
 */
export function positionedPage(table: ResourceTable, tenantId: string | Placeholder, resourceType: BucketResource, startIndex: number | Placeholder, count: number | Placeholder): SQL {
  const target = sql`SELECT "bucket", "total" - "count" AS "before"
    FROM (SELECT "bucket", "count", SUM("count") OVER (ORDER BY "bucket") AS "total" FROM ${pageBuckets} WHERE "tenant_id" = ${tenantId} AND "resource_type" = ${resourceType})
    WHERE "total" >= ${startIndex} ORDER BY "bucket" LIMIT 1`;
  return sql`${table.seq} IN (WITH "target" AS (${target})
    SELECT ${table.seq} FROM ${table} WHERE ${table.tenantId} = ${tenantId} AND ${table.seq} >= (SELECT "bucket" << ${bits} FROM "target")
    ORDER BY ${table.seq} LIMIT ${count} OFFSET ${startIndex} - 1 - IFNULL((SELECT "before" FROM "target"), 0))`;
}
