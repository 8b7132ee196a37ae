/**
 * The reads of a tenant's users that SCIM answers (RFC 7644 §3.4), over any database with the
 * directory's tables: the tenant object runs them on its serving copy (src/tenant-object/serving-copy.ts).
 */
import type { Database } from '../../db/client.ts';
import { users } from '../../db/schema.ts';
import { USER_RESOURCE_TYPE } from '../schema/resource-types.ts';
import { listPage } from '../storage/list.ts';
import type { ListQuery } from '../storage/list-query.ts';
import { findUserRow, groupsOfUsers, type UserGroupRef, type UserRow } from './user-rows.ts';

/** A page of users with each one's `groups`, as plain data (it crosses RPC). */
export interface UserPage {
  totalResults: number;
  rows: UserRow[];
  groups: Record<string, UserGroupRef[]>;
}

/** One user with its `groups`. */
export interface FoundUser {
  row: UserRow;
  groups: UserGroupRef[];
}

/** A page of the tenant's users matching `query`, with the page's users' groups. */
export async function userPage(db: Database, tenantId: string, query: ListQuery): Promise<UserPage> {
  const page = await listPage(db, tenantId, USER_RESOURCE_TYPE, users, query);
  // Asked after the page, by its ids: the copy answers without a round trip, so the page is not run again as a subquery.
  const groups = await groupsOfUsers(db, tenantId, page.rows.map((r) => r.id));
  return { totalResults: page.totalResults, rows: page.rows, groups: Object.fromEntries(groups) };
}

/** The user `id` of the tenant with its groups, or null. */
export async function findUser(db: Database, tenantId: string, id: string): Promise<FoundUser | null> {
  const row = await findUserRow(db, tenantId, id);
  if (!row) return null;
  return { row, groups: (await groupsOfUsers(db, tenantId, [row.id])).get(row.id) ?? [] };
}
