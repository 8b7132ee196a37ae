/**
 * Read-only directory pages for the host application (the management API's `/users` and `/groups`,
 * the binding's `users()`): the SCIM filter grammar, pages in insertion order (`seq`) after an
 * opaque cursor. A cursor names the last row read, so a walk neither repeats nor skips a row that
 * stays while others are created or deleted (a position would: docs/interop.md 10 and 15). Objects are
 * shaped as the change log carries them, without memberships (decision 13).
 */
import { and, asc, count, eq, gt, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { groupMembers, groups, users } from '../../db/schema.ts';
import { tenantTermOfLookup } from '../../db/tenant-term.ts';
import { ScimError } from '../../http/errors.ts';
import { userAccess } from '../../tenants/access.ts';
import { parseFilter } from '../filter/parser.ts';
import { filterToSql } from '../filter/to-sql.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../schema/resource-types.ts';
import { eventObject } from './resource-events.ts';

export type DirectoryResource = 'users' | 'groups';

/** Page size bounds shared by every reader of these pages. */
export const MAX_DIRECTORY_PAGE = 500;

const cursorSchema = z.object({ tenant: z.string(), resource: z.enum(['users', 'groups']), seq: z.number().int().min(0) });
type Cursor = z.infer<typeof cursorSchema>;

const encodeCursor = (cursor: Cursor) => btoa(JSON.stringify(cursor)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Why a page cannot be read: a filter SCIM would refuse, or a cursor that is not this list's. */
export class DirectoryQueryError extends Error {
  override name = 'DirectoryQueryError';
  readonly field: 'filter' | 'cursor';
  constructor(field: 'filter' | 'cursor', message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

function decodeCursor(text: string, tenantId: string, resource: DirectoryResource): Cursor {
  let cursor: Cursor | undefined;
  try {
    cursor = cursorSchema.parse(JSON.parse(atob(text.replace(/-/g, '+').replace(/_/g, '/'))));
  } catch {
    cursor = undefined;
  }
  if (!cursor || cursor.tenant !== tenantId || cursor.resource !== resource) throw new DirectoryQueryError('cursor', `not a cursor this list returned for this tenant's ${resource}; start again without one.`);
  return cursor;
}

export interface DirectoryQuery {
  filter?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

export interface DirectoryPage {
  data: Record<string, unknown>[];
  /** The cursor of the next page, or null after the last. */
  next: string | null;
}

/** A page of the tenant's users or groups matching `query.filter`, after `query.cursor`. */
export async function directoryPage(db: Database, tenant: { id: string }, resource: DirectoryResource, baseUrl: string, query: DirectoryQuery): Promise<DirectoryPage> {
  const [table, resourceType] = resource === 'users' ? [users, USER_RESOURCE_TYPE] : [groups, GROUP_RESOURCE_TYPE];
  const after = query.cursor === undefined ? 0 : decodeCursor(query.cursor, tenant.id, resource).seq;
  let filter;
  try {
    filter = query.filter === undefined || query.filter.trim() === '' ? undefined : filterToSql(resourceType, parseFilter(query.filter), tenant.id);
  } catch (err) {
    if (err instanceof ScimError) throw new DirectoryQueryError('filter', err.message);
    throw err;
  }
  const limit = Math.min(MAX_DIRECTORY_PAGE, Math.max(1, query.limit));
  // One row past the page tells whether there is a next one.
  const rows = await db
    .select()
    .from(table as typeof users)
    .where(and(filter ?? eq(table.tenantId, tenant.id), gt(table.seq, after)))
    .orderBy(asc(table.seq))
    .limit(limit + 1)
    .all();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map((row) => eventObject(resourceType, row, baseUrl)),
    next: rows.length > limit && last ? encodeCursor({ tenant: tenant.id, resource, seq: last.seq }) : null,
  };
}

/** One user as the directory shows it, with the role and group names sign-in would give them now. */
export async function directoryUser(db: Database, tenant: { id: string }, baseUrl: string, userId: string): Promise<Record<string, unknown> | undefined> {
  const [row, access] = await Promise.all([
    db.select().from(users).where(and(eq(users.tenantId, tenant.id), eq(users.id, userId))).get(),
    userAccess(db, tenant.id, userId),
  ]);
  if (!row || !access) return undefined;
  return { ...eventObject(USER_RESOURCE_TYPE, row, baseUrl), role: access.role, groupNames: access.scimGroups };
}

/** How many members each of `groupIds` has, in one query. */
export async function memberCounts(db: Database, tenant: { id: string }, groupIds: readonly string[]): Promise<Map<string, number>> {
  if (groupIds.length === 0) return new Map();
  const rows = await db
    .select({ groupId: groupMembers.groupId, members: count() })
    .from(groupMembers)
    .where(and(eq(groupMembers.tenantId, tenant.id), inArray(groupMembers.groupId, [...groupIds])))
    .groupBy(groupMembers.groupId)
    .all();
  return new Map(rows.map((r) => [r.groupId, r.members]));
}

/** A page of a group's members (id and userName), in user id order after `afterUserId`. */
export async function groupMembersPage(db: Database, tenant: { id: string }, groupId: string, afterUserId: string, limit: number): Promise<{ members: { id: string; userName: string; active: boolean }[]; next: string | null }> {
  const rows = await db
    .select({ id: users.id, userName: users.userName, active: users.active })
    .from(groupMembers)
    .innerJoin(users, eq(users.id, groupMembers.userId))
    .where(and(eq(groupMembers.tenantId, tenant.id), eq(groupMembers.groupId, groupId), gt(groupMembers.userId, afterUserId)))
    .orderBy(asc(groupMembers.userId))
    .limit(limit + 1)
    .all();
  const members = rows.slice(0, limit);
  return { members, next: rows.length > limit ? members.at(-1)!.id : null };
}

/** The userName of each of `userIds` that exists in the tenant. */
export async function userNames(db: Database, tenant: { id: string }, userIds: readonly string[]): Promise<Map<string, string>> {
  if (userIds.length === 0) return new Map();
  const rows = await db.select({ id: users.id, userName: users.userName }).from(users).where(and(tenantTermOfLookup(users.tenantId, tenant.id), inArray(users.id, [...userIds]))).all();
  return new Map(rows.map((r) => [r.id, r.userName]));
}
