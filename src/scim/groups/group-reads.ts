/**
 * The reads of a tenant's groups that SCIM answers (RFC 7644 §3.4), over any database with the
 * directory's tables: the tenant object runs them on its serving copy (src/tenant-object/serving-copy.ts).
 * Members are read apart, in chunks (src/scim/groups/group-render.ts streams them).
 */
import type { Database } from '../../db/client.ts';
import { groups } from '../../db/schema.ts';
import { GROUP_RESOURCE_TYPE } from '../schema/resource-types.ts';
import { listPage, type Page } from '../storage/list.ts';
import type { ListQuery } from '../storage/list-query.ts';
import { membersAfter, membersOfGroups, type MemberRow } from './group-members.ts';
import { findGroupRow, type GroupRow } from './group-rows.ts';

/** A page of the tenant's groups matching `query`. */
export function groupPage(db: Database, tenantId: string, query: ListQuery): Promise<Page<GroupRow>> {
  return listPage(db, tenantId, GROUP_RESOURCE_TYPE, groups, query);
}

/** The group `id` of the tenant, or null. */
export async function findGroup(db: Database, tenantId: string, id: string): Promise<GroupRow | null> {
  return (await findGroupRow(db, tenantId, id)) ?? null;
}

/** Where the members a response streams come from: the first of all its groups at once, then a group's next ones. */
export interface MemberSource {
  first(groupIds: string[], limit: number): Promise<MemberRow[]>;
  after(groupId: string, after: string, limit: number): Promise<MemberRow[]>;
}

/** The members of a database (what the tenant object answers from its copy). */
export function membersIn(db: Database, tenantId: string): MemberSource {
  return {
    first: (groupIds, limit) => membersOfGroups(db, tenantId, groupIds, limit),
    after: (groupId, after, limit) => membersAfter(db, tenantId, groupId, after, limit),
  };
}
