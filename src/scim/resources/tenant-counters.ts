/**
 * The tenant's `user_count` and `group_count`, kept in the same D1 batch as every create and
 * delete. In a combined batch (src/tenants/group-commit.ts) the writes' changes of one counter of
 * one tenant merge into one UPDATE adding their sum.
 */
import { eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { tenants } from '../../db/schema.ts';
import { compiledOnce, compileStatement, type CompiledRun, type MergeRule } from './compiled-statement.ts';

const P = sql.placeholder;
const addUsers = compiledOnce((db) => compileStatement(db.update(tenants).set({ userCount: sql`${tenants.userCount} + ${P('delta')}` }).where(eq(tenants.id, P('tenantId')))));
const addGroups = compiledOnce((db) => compileStatement(db.update(tenants).set({ groupCount: sql`${tenants.groupCount} + ${P('delta')}` }).where(eq(tenants.id, P('tenantId')))));

/** Adds `delta` (+1 a create, -1 a delete) to the tenant's count of users or groups. */
export function countResources(db: Database, resourceType: 'User' | 'Group', tenantId: string, delta: number): CompiledRun {
  const statement = (resourceType === 'User' ? addUsers : addGroups)(db);
  const merge: MergeRule = {
    key: `count:${resourceType}:${tenantId}`,
    merge: (values) => ({ statement, values: { tenantId, delta: values.reduce((sum, v) => sum + (v.delta as number), 0) } }),
  };
  return { statement, values: { tenantId, delta }, merge };
}

/** In the error SQLite raises for the quota guard's malformed JSON path; nothing else in our SQL produces it. */
const QUOTA_MARKER = 'tenant quota reached';
const quotaQuery = (count: SQL, max: SQL) =>
  compiledOnce(() =>
    compileStatement(sql`SELECT json_extract('{}', ${sql.raw(`'$${QUOTA_MARKER}'`)}) WHERE EXISTS (SELECT 1 FROM ${tenants} WHERE ${tenants.id} = ${P('tenantId')} AND ${count} > ${max})`),
  );
const usersWithinQuota = quotaQuery(sql`${tenants.userCount}`, sql`${tenants.maxUsers}`);
const groupsWithinQuota = quotaQuery(sql`${tenants.groupCount}`, sql`${tenants.maxGroups}`);

/**
 * Raises (rolling the batch back) when the tenant's count of users or groups is past its quota.
 * It goes after `countResources` in a create's batch; in a combined batch the writes' guards merge
 * into one behind the merged counter, so the creates that would pass the quota fail when retried alone.
 */
export function quotaGuard(db: Database, resourceType: 'User' | 'Group', tenantId: string): CompiledRun {
  const statement = (resourceType === 'User' ? usersWithinQuota : groupsWithinQuota)(db);
  return { statement, values: { tenantId }, merge: { key: `quota:${resourceType}:${tenantId}`, merge: () => ({ statement, values: { tenantId } }) } };
}

/** Whether a D1 error is the quota guard refusing a create. */
export function isQuotaRefused(err: unknown): boolean {
  return err instanceof Error && (err.message + String(err.cause ?? '')).includes(QUOTA_MARKER);
}
