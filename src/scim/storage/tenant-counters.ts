/**
 * The tenant's `user_count` and `group_count`, kept in the same D1 batch as every create and
 * delete, and checked there against its quotas (`max_users`, `max_groups`). In a combined batch (src/tenant-object/group-commit.ts) the writes' changes of one counter of
 * one tenant merge into one UPDATE adding their sum.
 */
import { eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { tenants } from '../../db/schema.ts';
import { compiledOnce, compileStatement, type CompiledRun, type MergeRule } from '../../db/compiled-statement.ts';

const P = sql.placeholder;
/** In the error SQLite raises for the quota check's malformed JSON path; nothing else in our SQL produces it. */
const QUOTA_MARKER = 'tenant quota reached';

/**
 * `count + delta`, or an error (rolling the batch back) when a create would take the count past
 * `max`: the counter is the tenant's quota check, so it costs no statement of its own, and in a
 * combined batch the merged sum fails it, so the creates are retried alone and exactly the quota passes.
 */
const countedWithin = (count: SQL, max: SQL) =>
  sql`CASE WHEN ${P('delta')} > 0 AND ${count} + ${P('delta')} > ${max} THEN json_extract('{}', ${sql.raw(`'$${QUOTA_MARKER}'`)}) ELSE ${count} + ${P('delta')} END`;
const addUsers = compiledOnce((db) => compileStatement(db.update(tenants).set({ userCount: countedWithin(sql`${tenants.userCount}`, sql`${tenants.maxUsers}`) }).where(eq(tenants.id, P('tenantId')))));
const addGroups = compiledOnce((db) => compileStatement(db.update(tenants).set({ groupCount: countedWithin(sql`${tenants.groupCount}`, sql`${tenants.maxGroups}`) }).where(eq(tenants.id, P('tenantId')))));

/** Adds `delta` (+1 a create, -1 a delete) to the tenant's count of users or groups. */
export function countResources(db: Database, resourceType: 'User' | 'Group', tenantId: string, delta: number): CompiledRun {
  const statement = (resourceType === 'User' ? addUsers : addGroups)(db);
  const merge: MergeRule = {
    key: `count:${resourceType}:${tenantId}`,
    merge: (values) => ({ statement, values: { tenantId, delta: values.reduce((sum, v) => sum + (v.delta as number), 0) } }),
  };
  return { statement, values: { tenantId, delta }, merge };
}

/** Whether a D1 error is the counter refusing a create past the tenant's quota. */
export function isQuotaRefused(err: unknown): boolean {
  return err instanceof Error && (err.message + String(err.cause ?? '')).includes(QUOTA_MARKER);
}
