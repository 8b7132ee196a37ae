/**
 * Square-root paging for the default (`seq`) order: `page_buckets` counts a tenant's users and
 * groups per 1,024 seqs, kept exact in the same D1 batch as every create and delete. A page whose
 * start no isolate remembers finds its bucket by a running sum over those counts and skips fewer
 * than 1,024 rows inside it, so page 1,000 costs what page 1 costs (no OFFSET scan of the tenant).
 * Their sum is what the tenant holds: the create's upsert checks it against the tenant's quota,
 * so the count and the quota cost no row or statement of their own.
 */
import { and, eq, sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { groups, pageBuckets, tenants, users } from '../../db/schema.ts';
import { heldCount, type HeldResource } from '../../db/held-resources.ts';
import { compiledOnce, compileStatement, type CompiledRun, type MergeRule } from '../../db/compiled-statement.ts';

/** log2 of the seqs per bucket. */
export const BUCKET_BITS = 10;

type ResourceTable = typeof users | typeof groups;
/** The `resource_type` of a bucket row. */
export type BucketResource = HeldResource;

const bits = sql.raw(String(BUCKET_BITS));
/** In the error SQLite raises for the quota check's malformed JSON path; nothing else in our SQL produces it. */
const QUOTA_MARKER = 'tenant quota reached';
const quotaOf = { User: tenants.maxUsers, Group: tenants.maxGroups };

/**
 * `counted`, or an error (rolling the batch back) when `added` new rows take the tenant of the
 * created row past its quota. SQLite runs the SELECT of an INSERT reading its own target to its
 * end before it writes, so the sum is the one before this batch's upsert. In a combined batch the
 * writes' sum fails it, so the creates are retried alone and exactly the quota passes.
 */
function withinQuota(table: ResourceTable, resourceType: BucketResource, counted: SQL, added: SQL): SQL {
  const room = sql`(SELECT ${quotaOf[resourceType]} - ${heldCount(table.tenantId, resourceType)} FROM ${tenants} WHERE ${tenants.id} = ${table.tenantId})`;
  return sql`CASE WHEN ${added} > ${room} THEN json_extract('{}', ${sql.raw(`'$${QUOTA_MARKER}'`)}) ELSE ${counted} END`;
}

/** Whether a D1 error is the quota check refusing a create. */
export function isQuotaRefused(err: unknown): boolean {
  return err instanceof Error && (err.message + String(err.cause ?? '')).includes(QUOTA_MARKER);
}

/** Counts the row `id` in its bucket; goes after the row's INSERT in the same batch (the insert assigns `seq`). */
function countCreated(db: Database, table: ResourceTable, resourceType: BucketResource, id: string | Placeholder) {
  return db
    .insert(pageBuckets)
    .select(sql`SELECT ${table.tenantId}, ${resourceType}, ${table.seq} >> ${bits}, ${withinQuota(table, resourceType, sql`1`, sql`1`)} FROM ${table} WHERE ${table.id} = ${id}`)
    .onConflictDoUpdate({ target: [pageBuckets.tenantId, pageBuckets.resourceType, pageBuckets.bucket], set: { count: sql`${pageBuckets.count} + 1` } });
}

/** `countCreated` of many rows at once: those whose ids are in the JSON array `ids`, counted per bucket. */
function countManyCreated(db: Database, table: ResourceTable, resourceType: BucketResource, ids: Placeholder) {
  return (
    db
      .insert(pageBuckets)
      // GROUP BY the tenant and the bucket: one upserted row per bucket, adding its number of new rows; the quota is checked against the tenant's new rows in all its buckets.
      .select(sql`SELECT ${table.tenantId}, ${resourceType}, ${table.seq} >> ${bits}, ${withinQuota(table, resourceType, sql`COUNT(*)`, sql`SUM(COUNT(*)) OVER (PARTITION BY ${table.tenantId})`)} FROM ${table} WHERE ${table.id} IN (SELECT "value" FROM json_each(${ids})) GROUP BY 1, 3`)
      .onConflictDoUpdate({ target: [pageBuckets.tenantId, pageBuckets.resourceType, pageBuckets.bucket], set: { count: sql`${pageBuckets.count} + excluded."count"` } })
  );
}

const P = sql.placeholder;
const created = { User: compiledOnce((db) => compileStatement(countCreated(db, users, 'User', P('id')))), Group: compiledOnce((db) => compileStatement(countCreated(db, groups, 'Group', P('id')))) };
const createdMany = {
  User: compiledOnce((db) => compileStatement(countManyCreated(db, users, 'User', P('ids')))),
  Group: compiledOnce((db) => compileStatement(countManyCreated(db, groups, 'Group', P('ids')))),
};

/**
 * `countCreated` of the row `id`, compiled; in a combined batch (src/tenant-object/group-commit.ts) the
 * writes' rows are counted by one upsert per bucket, after all their inserts.
 */
export function countCreatedRun(db: Database, resourceType: BucketResource, id: string): CompiledRun {
  const merge: MergeRule = {
    key: `bucket:${resourceType}`,
    merge: (values) => ({ statement: createdMany[resourceType](db), values: { ids: JSON.stringify(values.map((v) => v.id)) } }),
  };
  return { statement: created[resourceType](db), values: { id }, merge };
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
