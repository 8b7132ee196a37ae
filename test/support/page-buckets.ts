/** For tests that seed users or groups straight into D1: the `page_buckets` rows the tenant object's writes would have kept. */
import { sql } from 'drizzle-orm';
import { groups, pageBuckets, users } from '../../src/db/schema.ts';
import { BUCKET_BITS } from '../../src/scim/storage/page-buckets.ts';
import { db } from './tenants.ts';

/** A statement (for the seeding batch) that sets the tenant's bucket counts of `table` from its rows. */
export function recountPageBuckets(tenantId: string, table: typeof users | typeof groups) {
  const resourceType = table === users ? 'User' : 'Group';
  const bits = sql.raw(String(BUCKET_BITS));
  return db()
    .insert(pageBuckets)
    .select(sql`SELECT ${tenantId}, ${resourceType}, ${table.seq} >> ${bits}, COUNT(*) FROM ${table} WHERE ${table.tenantId} = ${tenantId} GROUP BY 3`)
    .onConflictDoUpdate({ target: [pageBuckets.tenantId, pageBuckets.resourceType, pageBuckets.bucket], set: { count: sql`excluded."count"` } });
}
