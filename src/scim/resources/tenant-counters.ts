/**
 * The tenant's `user_count` and `group_count`, kept in the same D1 batch as every create and
 * delete. In a combined batch (src/tenants/group-commit.ts) the writes' changes of one counter of
 * one tenant merge into one UPDATE adding their sum.
 */
import { eq, sql } from 'drizzle-orm';
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
