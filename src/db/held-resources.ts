/**
 * How many users and groups a tenant holds: the sum of its `page_buckets` counts, which every
 * create and delete keeps exact in its own batch. A tenant of 1,000,000 users sums ~1,000 rows;
 * no counter row of the tenant is rewritten by each create and delete.
 */
import { sql, type AnyColumn, type Placeholder, type SQL } from 'drizzle-orm';
import type { Database } from './client.ts';
import { pageBuckets } from './schema.ts';

export type HeldResource = (typeof pageBuckets.$inferSelect)['resourceType'];

/** The held count of `resourceType` of `tenantId`, as a scalar subquery. */
export function heldCount(tenantId: AnyColumn | SQL | Placeholder | string, resourceType: HeldResource): SQL {
  return sql`(SELECT coalesce(sum("count"), 0) FROM ${pageBuckets} WHERE "tenant_id" = ${tenantId} AND "resource_type" = ${resourceType})`;
}

export interface Held {
  users: number;
  groups: number;
}

/** What a tenant with no page bucket holds (a new one). */
export const NOTHING_HELD: Readonly<Held> = { users: 0, groups: 0 };

/** What each tenant of `tenantIds` holds, read in one statement. */
export async function heldResources(db: Database, tenantIds: string[]): Promise<(tenantId: string) => Held> {
  const rows = await db
    .select({ tenantId: pageBuckets.tenantId, resourceType: pageBuckets.resourceType, held: sql<number>`sum(${pageBuckets.count})`.mapWith(Number) })
    .from(pageBuckets)
    .where(sql`${pageBuckets.tenantId} IN (SELECT "value" FROM json_each(${JSON.stringify(tenantIds)}))`)
    .groupBy(pageBuckets.tenantId, pageBuckets.resourceType)
    .all();
  const held = new Map<string, Held>();
  for (const row of rows) {
    const counts = held.get(row.tenantId) ?? { users: 0, groups: 0 };
    counts[row.resourceType === 'User' ? 'users' : 'groups'] = row.held;
    held.set(row.tenantId, counts);
  }
  // A tenant with no bucket holds nothing.
  return (tenantId) => held.get(tenantId) ?? NOTHING_HELD;
}

/** What the tenant `tenantId` holds. */
export async function heldBy(db: Database, tenantId: string): Promise<Held> {
  return (await heldResources(db, [tenantId]))(tenantId);
}
